/**
 * Which family of model a folder holds, for `models list` and the manifest, from its JSON files only (no graph is
 * loaded). The names follow the pipeline's (src/inference recognizes the family for real once the sessions are loaded,
 * and also tells SD-Turbo and LCM apart).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * `sd1` (SD 1.x), `sd2`, `sdxl`, `sd3`, `synthetic` (random weights; the key is scripts/synthesize's SYNTHETIC_MARKER,
 * not imported so that a normal start never loads the synthesizer) or `unknown`. Shown by `models list`.
 */
export type ModelFamily = "sd1" | "sd2" | "sdxl" | "sd3" | "synthetic" | "unknown";

export async function detectFamily(dir: string): Promise<ModelFamily> {
  const index = await readJson(join(dir, "model_index.json"));
  if (!index) return "unknown";
  if ("_reroll_synthetic" in index) return "synthetic";
  const className = typeof index._class_name === "string" ? index._class_name : "";
  if (/StableDiffusion3/.test(className)) return "sd3";
  if (/StableDiffusionXL/.test(className)) return "sdxl";
  if (!/StableDiffusion/.test(className)) return "unknown";
  // SD 2.x shares the class name; its OpenCLIP text encoder is 1024 wide where SD 1.x's CLIP is 768.
  const textConfig = await readJson(join(dir, "text_encoder/config.json"));
  return textConfig?.hidden_size === 1024 ? "sd2" : "sd1";
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
