/**
 * Writes complete SD-1.5-layout ONNX model folders with seeded random weights (the diffusers/optimum export
 * layout), so tests and a first local run need no downloaded weights. The images such models make are noise.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { padToken, schedulerConfig, textWidth, unetConfig } from "./family-files.ts";
import { SYNTHETIC_MARKER, modelIndex, syntheticReadme, vaeConfig } from "./folder-files.ts";
import { writeModelFile } from "./model-file.ts";
import { buildTextEncoder } from "./text-encoder.ts";
import { tokenizerFiles } from "./tokenizer-files.ts";
import { buildUnet } from "./unet.ts";
import { buildFullUnet } from "./unet-full.ts";
import { buildVaeDecoder, buildVaeEncoder } from "./vae.ts";
import { resolveVariant, type SyntheticVariant, type SyntheticVariantName } from "./variants.ts";

export { DEFAULT_SEED, SIZE_SPECS, SYNTHETIC_VARIANTS, resolveVariant } from "./variants.ts";
export type { SizeSpec, SyntheticFamily, SyntheticSize, SyntheticVariant, SyntheticVariantName } from "./variants.ts";
export { SCALING_FACTOR } from "./vae.ts";
export { SYNTHETIC_MARKER } from "./folder-files.ts";

/** Files every SD 1.5 ONNX folder has, whatever its flavour. */
const REQUIRED_FILES = [
  "model_index.json",
  "text_encoder/model.onnx",
  "unet/model.onnx",
  "vae_encoder/model.onnx",
  "vae_decoder/model.onnx",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "scheduler/scheduler_config.json",
];

/**
 * Writes a synthetic model folder into `dir` (created if needed; files already there are overwritten).
 * Same variant and seed → byte-identical files.
 * @param variant a preset name or a full variant. @default "tiny"
 * @example await synthesizeModel("/tmp/sd", { ...SYNTHETIC_VARIANTS.tiny, seed: 7 });
 */
export async function synthesizeModel(dir: string, variant: SyntheticVariant | SyntheticVariantName = "tiny"): Promise<void> {
  const resolved = resolveVariant(variant);
  const tokenizer = tokenizerFiles(padToken(resolved));
  const files: Record<string, string> = {
    "model_index.json": json(modelIndex(resolved)),
    "scheduler/scheduler_config.json": json(schedulerConfig(resolved)),
    "unet/config.json": json(unetConfig(resolved)),
    "vae_encoder/config.json": json(vaeConfig(resolved)),
    "vae_decoder/config.json": json(vaeConfig(resolved)),
    "SYNTHETIC.md": syntheticReadme(resolved),
    ...Object.fromEntries(Object.entries(tokenizer.files).map(([name, text]) => [`tokenizer/${name}`, text])),
  };
  for (const sub of ["text_encoder", "unet", "vae_encoder", "vae_decoder", "tokenizer", "scheduler"]) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);

  // One graph at a time, so the sd15 UNet's weights are the only large thing in memory.
  await writeModelFile(join(dir, "text_encoder/model.onnx"), buildTextEncoder(resolved, tokenizer.vocabSize), null);
  await writeModelFile(join(dir, "vae_encoder/model.onnx"), buildVaeEncoder(resolved), null);
  await writeModelFile(join(dir, "vae_decoder/model.onnx"), buildVaeDecoder(resolved), null);
  const unetData = resolved.externalData === "none" ? null : resolved.externalData;
  const unet = resolved.unetStructure === "full" ? buildFullUnet : buildUnet;
  await writeModelFile(join(dir, "unet/model.onnx"), unet(resolved, textWidth(resolved)), unetData);
}

/**
 * Makes sure `dir` holds a complete model and returns `dir`. Writes the synthetic model only when `dir` lacks a
 * complete one (or holds a synthetic model of another variant); it writes into a temporary sibling and renames it
 * into place, so a crash never leaves half a model. Refuses to replace an incomplete folder it did not write.
 * @param variant a preset name or a full variant. @default "tiny"
 */
export async function ensureSyntheticModel(dir: string, variant: SyntheticVariant | SyntheticVariantName = "tiny"): Promise<string> {
  const resolved = resolveVariant(variant);
  const existing = await inspectFolder(dir, resolved);
  if (existing === "complete") return dir;
  if (existing === "foreign") {
    throw new Error(`${dir} exists but is not a complete SD 1.5 ONNX model folder, and it was not written by synthesize-model; move it away or pick another folder`);
  }

  await mkdir(dirname(dir), { recursive: true });
  const temporary = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await synthesizeModel(temporary, resolved);
    if (existing === "stale") await rm(dir, { recursive: true, force: true });
    try {
      await rename(temporary, dir);
    } catch (error) {
      // Another process may have finished first; its model is as good as ours.
      if ((await inspectFolder(dir, resolved)) !== "complete") throw error;
    }
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
  return dir;
}

/** complete: usable as is; missing: absent or empty; stale: ours but incomplete or another variant; foreign: someone else's, incomplete. */
type FolderState = "complete" | "missing" | "stale" | "foreign";

async function inspectFolder(dir: string, variant: SyntheticVariant): Promise<FolderState> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  if (entries.length === 0) return "missing";
  const marker = await readMarker(dir);
  if (marker === undefined) return (await hasFiles(dir, REQUIRED_FILES)) ? "complete" : "foreign";
  if (JSON.stringify(marker) !== JSON.stringify(variant)) return "stale";
  const external = variant.externalData === "none" ? [] : [`unet/${variant.externalData}`];
  return (await hasFiles(dir, [...REQUIRED_FILES, ...external])) ? "complete" : "stale";
}

async function readMarker(dir: string): Promise<unknown> {
  try {
    const index = JSON.parse(await readFile(join(dir, "model_index.json"), "utf8")) as Record<string, unknown>;
    return index[SYNTHETIC_MARKER];
  } catch {
    return undefined;
  }
}

async function hasFiles(dir: string, files: string[]): Promise<boolean> {
  for (const file of files) {
    try {
      if (!(await stat(join(dir, file))).isFile()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
