/**
 * Which family of model a folder holds, for `models list` and the manifest, from its JSON files only (no graph is
 * loaded). Stable Diffusion 1.x/2.x folders are told apart by the inference library's own file-only reading, the
 * rule the pipeline applies at load (SD 1.x, SD 2.x, SD-Turbo, LCM, LCM-LoRA).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readModelFamily, type ModelFamilyName } from "../inference/index.ts";

/**
 * One of the pipeline's families (`sd1`, `sd2`, `sd-turbo`, `lcm`, `lcm-lora`), `sdxl`, `sd3`, `synthetic` (random
 * weights; the key is scripts/synthesize's SYNTHETIC_MARKER, not imported so that a normal start never loads the
 * synthesizer) or `unknown`. Shown by `models list`.
 */
export type ModelFamily = ModelFamilyName | "sdxl" | "sd3" | "synthetic" | "unknown";

export async function detectFamily(dir: string): Promise<ModelFamily> {
  const index = await readJson(join(dir, "model_index.json"));
  if (!index) return "unknown";
  if ("_reroll_synthetic" in index) return "synthetic";
  const className = typeof index._class_name === "string" ? index._class_name : "";
  if (/StableDiffusion3/.test(className)) return "sd3";
  if (/StableDiffusionXL/.test(className)) return "sdxl";
  if (!/StableDiffusion/.test(className)) return "unknown";
  // SD 2.x, SD-Turbo and LCM share the class name: their configs tell them apart.
  return (await readModelFamily(dir)).family.name;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
