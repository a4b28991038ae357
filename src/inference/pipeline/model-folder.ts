import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelFolderError } from "./errors.ts";

/** The ONNX parts of a diffusers/optimum SD export that the pipeline runs. */
export const MODEL_PARTS = ["text_encoder", "unet", "vae_encoder", "vae_decoder"] as const;
export type ModelPart = (typeof MODEL_PARTS)[number];

/** SD 1.x's VAE latent scaling factor, used when the VAE config does not name one. */
export const SD15_SCALING_FACTOR = 0.18215;

export interface ModelFolder {
  dir: string;
  paths: Record<ModelPart, string>;
  tokenizerDir: string;
  scalingFactor: number;
  /** How many pixels one latent spans: 2^(VAE levels − 1), 8 for every SD VAE. */
  vaeScaleFactor: number;
  /** `unet/config.json`, when the folder has one (native size, `time_cond_proj_dim`). */
  unetConfig: Record<string, unknown> | undefined;
  /** A short name for logs and PNG metadata: model_index.json's `_name_or_path`, else the folder name. */
  name: string;
}

/**
 * Checks the folder has the export layout (`text_encoder/model.onnx`, `unet/model.onnx` with its external data
 * beside it, `vae_encoder/…`, `vae_decoder/…`, `tokenizer/`) and reads the latent scaling factor.
 */
export async function resolveModelFolder(dir: string): Promise<ModelFolder> {
  const paths = Object.fromEntries(MODEL_PARTS.map((part) => [part, join(dir, part, "model.onnx")])) as Record<ModelPart, string>;
  const missing: string[] = [];
  for (const part of MODEL_PARTS) if (!(await exists(paths[part]))) missing.push(`${part}/model.onnx`);
  const tokenizerDir = join(dir, "tokenizer");
  for (const file of ["vocab.json", "merges.txt"]) if (!(await exists(join(tokenizerDir, file)))) missing.push(`tokenizer/${file}`);
  if (missing.length) {
    throw new ModelFolderError(
      `${dir} is not a complete Stable Diffusion ONNX export: missing ${missing.join(", ")}. ` +
        "Point MODEL_DIR at a folder with the diffusers/optimum ONNX layout (see the README).",
    );
  }
  const { scalingFactor, vaeScaleFactor, unetConfig } = await readFolderConfigs(dir);
  const index = await readJson(join(dir, "model_index.json"));
  const name = typeof index?._name_or_path === "string" ? index._name_or_path : dir.split(/[\\/]/).filter(Boolean).pop() ?? "model";
  return { dir, paths, tokenizerDir, scalingFactor, vaeScaleFactor, unetConfig, name };
}

/** The VAE's scaling, its pixels per latent and unet/config.json, from the folder's JSON files only (no graph). */
export async function readFolderConfigs(dir: string): Promise<Pick<ModelFolder, "scalingFactor" | "vaeScaleFactor" | "unetConfig">> {
  const vaeConfig = (await readJson(join(dir, "vae_decoder", "config.json"))) ?? (await readJson(join(dir, "vae", "config.json")));
  const scalingFactor = positive(vaeConfig?.scaling_factor) ?? SD15_SCALING_FACTOR;
  const levels = Array.isArray(vaeConfig?.block_out_channels) ? vaeConfig.block_out_channels.length : 4;
  return { scalingFactor, vaeScaleFactor: 2 ** (levels - 1), unetConfig: await readJson(join(dir, "unet", "config.json")) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && value > 0 ? value : undefined;
}
