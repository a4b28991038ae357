/**
 * `npm run models -- <command>`: the models of this installation (MODELS_DIR, default data/models).
 *   add owner/repo[@revision] [--name NAME]   download from the Hugging Face Hub, pinned to the commit
 *   add ./folder [--name NAME]                register a local SD ONNX export folder (used in place)
 *   list | remove NAME | verify NAME
 */
import { parseArgs } from "node:util";
import dotenv from "dotenv";
import { ConfigError, loadConfig } from "../src/config.ts";
import {
  addModel,
  entryFolder,
  formatBytes,
  listModels,
  lockWaitMessage,
  ModelError,
  modelSettings,
  readRegistry,
  removeModel,
  terminalDownloadProgress,
  verifyModelFolder,
} from "../src/models/index.ts";

const USAGE = `Usage: npm run models -- <command>
  add <owner/repo[@revision] | ./folder> [--name NAME]
                    download a Stable Diffusion ONNX export from the Hugging Face Hub (pinned to the commit the
                    revision points at now), or register a local folder; NAME defaults to the repository's name
  list              every model: name, repository, revision, commit, size, family, folder
  remove NAME       forget NAME and delete its downloaded files (a registered local folder is left alone)
  verify NAME       hash every downloaded file again and compare with the sha256 recorded at download
Settings: MODELS_DIR, HF_ENDPOINT, HF_TOKEN, MODEL_PRECISION (see .env.example). Run one with MODEL=NAME.`;

async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: "string" }, help: { type: "boolean", short: "h" } } });
  const [command, argument] = positionals;
  if (values.help || !command) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  switch (command) {
    case "add": {
      if (!argument) return usage("add needs a repository (owner/name[@revision]) or a folder (./path)");
      const settings = modelSettings(config);
      const added = await addModel(settings, argument, values.name, {
        onDownloadStart: (repo, revision) => console.error(`Downloading ${repo}@${revision} (${settings.precision}) from ${config.hubUrl}`),
        onLockWait: (pid, lockFile) => console.error(lockWaitMessage(pid, lockFile)),
        onProgress: terminalDownloadProgress(),
      });
      const pinned = added.entry.source === "hub" ? ` at commit ${added.entry.commit}` : "";
      console.log(`Added ${added.name}${pinned}: ${added.dir}\nRun it with MODEL=${added.name}`);
      return 0;
    }
    case "list": {
      const rows = await listModels(config.modelsDir);
      if (rows.length === 0) {
        console.log(`No models in ${config.modelsDir} yet. npm start downloads the default one; npm run models -- add owner/repo adds another.`);
        return 0;
      }
      const table = [
        ["NAME", "REPO", "REVISION", "COMMIT", "SIZE", "FAMILY", "WHERE"],
        ...rows.map((r) => [r.name, r.repo, r.revision, r.commit, r.size === undefined ? "missing" : formatBytes(r.size), r.family, r.dir]),
      ];
      const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => (row[column] ?? "").length)));
      for (const row of table) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd());
      return 0;
    }
    case "remove": {
      if (!argument) return usage("remove needs a model name (see npm run models -- list)");
      const { deleted } = await removeModel(config.modelsDir, argument);
      console.log(deleted ? `Removed ${argument} and deleted ${deleted}` : `Removed ${argument} (its files were left where they are)`);
      return 0;
    }
    case "verify": {
      if (!argument) return usage("verify needs a model name (see npm run models -- list)");
      const entry = (await readRegistry(config.modelsDir))[argument];
      if (!entry) throw new ModelError(`No model is named "${argument}" (npm run models -- list shows them).`);
      const problems = await verifyModelFolder(entryFolder(config.modelsDir, entry), (path, size) => console.error(`hashing ${path} (${formatBytes(size)})`));
      for (const p of problems) console.log(`${p.path}: ${p.problem}`);
      console.log(problems.length ? `${argument}: ${problems.length} file(s) differ from the download. Remove it and add it again.` : `${argument}: every file matches its sha256.`);
      return problems.length ? 1 : 0;
    }
    default:
      return usage(`unknown command "${command}"`);
  }
}

function usage(problem: string): number {
  console.error(`${problem}\n\n${USAGE}`);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Known failures (unreachable hub, gated repository, bad checksum, bad settings) are explained without a stack.
    const known = error instanceof ModelError || error instanceof ConfigError;
    console.error(known ? (error as Error).message : error);
    process.exit(1);
  },
);
