/** Runs a project script as a user would (node --import tsx …), with a clean environment of our choosing. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * @param env added to a minimal environment (PATH, HOME); settings a developer's .env might hold are blanked so the
 * test's own values are the only ones in effect (dotenv never overrides a variable that is set, even to "").
 */
export function runScript(script: string, args: string[], env: Record<string, string>): Promise<ScriptResult> {
  const blank = { MODEL_DIR: "", MODEL: "", MODELS_DIR: "", HF_ENDPOINT: "", HF_TOKEN: "", MODEL_PRECISION: "", DISCORD_TOKEN: "", LOG_LEVEL: "silent" };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...blank, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : error ? 1 : 0, stdout, stderr }),
    );
  });
}
