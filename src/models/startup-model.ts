/**
 * The model folder `npm start` and `npm run generate` run: MODEL_DIR if set; the synthesized random-weight model only
 * when asked for by name (MODEL=synthetic); otherwise MODEL (by default the SD 1.5 ONNX export named in config.ts),
 * downloaded with a progress bar on first use and pinned to its commit afterwards.
 */
import { SYNTHETIC_MODEL_DIR, type Config } from "../config.ts";
import { cudaProviderInstalled } from "../inference/index.ts";
import { terminalDownloadProgress } from "./download-progress.ts";
import { lockWaitMessage } from "./hub-download.ts";
import { resolveModelFolder, SYNTHETIC_MODEL, type ModelSettings } from "./model-catalog.ts";
import { choosePrecision } from "./precision.ts";

export interface StartupModel {
  dir: string;
  /** A name for logs: the registered name, the folder, or "synthetic". */
  name: string;
  /** Random weights: every image is noise. Whoever shows results must say so. */
  synthetic: boolean;
}

type ModelConfig = Pick<Config, "modelDir" | "model" | "modelsDir" | "modelPrecision" | "hubUrl" | "hfToken" | "executionProvider">;

/** What MODEL_DIR/MODEL and MODELS_DIR mean as download settings (precision resolved for this host). */
export function modelSettings(config: ModelConfig): ModelSettings {
  return {
    modelsDir: config.modelsDir,
    precision: choosePrecision(config.modelPrecision, config.executionProvider, cudaProviderInstalled()),
    hub: { hubUrl: config.hubUrl, accessToken: config.hfToken },
  };
}

/**
 * @param say where progress and one-line notices go (the terminal). @default console.error
 * @throws ModelError with a message for the terminal when the hub cannot be used (it names the host and the ways on).
 */
export async function startupModel(config: ModelConfig, say: (line: string) => void = (line) => console.error(line)): Promise<StartupModel> {
  if (config.modelDir) return { dir: config.modelDir, name: config.modelDir, synthetic: false };
  if (config.model === SYNTHETIC_MODEL) {
    // Only on this explicit path: the synthesizer is a development tool, not part of a normal start.
    const { ensureSyntheticModel } = await import("../../scripts/synthesize/index.ts");
    say(`MODEL=synthetic: using a synthesized tiny model in ${SYNTHETIC_MODEL_DIR}. Its weights are random, so its images are noise.`);
    return { dir: await ensureSyntheticModel(SYNTHETIC_MODEL_DIR, "tiny"), name: SYNTHETIC_MODEL, synthetic: true };
  }
  const settings = modelSettings(config);
  const { name, dir } = await resolveModelFolder(settings, config.model, {
    onDownloadStart: (repo, revision) =>
      say(`Downloading ${repo}@${revision} (${settings.precision}) from ${config.hubUrl} into ${config.modelsDir} (a one-time download; later starts use it offline).`),
    onLockWait: (pid, lockFile) => say(lockWaitMessage(pid, lockFile)),
    onProgress: terminalDownloadProgress(),
  });
  say(`Model: ${name} (${dir})`);
  return { dir, name, synthetic: false };
}

