/** The export flavours a synthetic model can imitate, and the named presets. */

/** `tiny`: seconds on CPU, for tests. `sd15`: SD 1.5's real widths, for benchmarks. */
export type SyntheticSize = "tiny" | "sd15";

/** One export flavour: which dtypes, shapes and files the written model folder has. */
export interface SyntheticVariant {
  size: SyntheticSize;
  /** text_encoder `input_ids` dtype (int32: diffusers script and Olive; int64: optimum). */
  inputIds: "int32" | "int64";
  /** UNet `timestep` dtype. */
  timestepType: "float32" | "float16" | "int64";
  /** UNet `timestep` shape: [1], [batch] (dynamic) or a rank-0 scalar. */
  timestepShape: "one" | "batch" | "scalar";
  /** fp16: every float input and output is float16 (weights stored as float16 too). */
  precision: "fp32" | "fp16";
  /** vae_encoder output: a latent (here its deterministic mean) or mean‖logvar. */
  vaeEncoderOutput: "latent_sample" | "latent_parameters";
  /** Where the UNet's weights live: inline, `unet/weights.pb` (diffusers script) or `unet/model.onnx_data` (optimum). */
  externalData: "none" | "weights.pb" | "model.onnx_data";
  /** Seed of every weight. */
  seed: number;
  /**
   * Names of the dynamic axes: diffusers' script (`batch`, `channels`, `height`, `width`, `sequence`; channels
   * dynamic too) or optimum's (`batch_size`, `sequence_length`, …; channel axes fixed).
   * @default "diffusers"
   */
  axisNames?: "diffusers" | "optimum";
  /**
   * Which model family's configs and inputs the folder imitates: SD 1.5; SD 2.1 (1024-wide text encoder, OpenCLIP
   * tokenizer padding with `!`, v-prediction, 768 native size); SD-Turbo (Euler with trailing spacing); an
   * LCM-distilled UNet (a `timestep_cond` input and its `time_cond_proj_dim`). See family-files.ts.
   * @default "sd15"
   */
  family?: SyntheticFamily;
  /**
   * The UNet's blocks: `light`, one ResBlock per level (unet.ts, quick runs); `full`, SD 1.5's exact structure
   * (two ResBlocks per down level, three per up level; 859,520,964 parameters at the sd15 size; unet-full.ts).
   * @default "light"
   */
  unetStructure?: "light" | "full";
}

/** The model families a synthetic folder can imitate. */
export type SyntheticFamily = "sd15" | "sd2" | "sd-turbo" | "lcm";

/** The default seed of the presets. */
export const DEFAULT_SEED = 1234;

const tiny: SyntheticVariant = {
  size: "tiny", inputIds: "int32", timestepType: "float32", timestepShape: "batch", precision: "fp32",
  vaeEncoderOutput: "latent_sample", externalData: "weights.pb", seed: DEFAULT_SEED, axisNames: "diffusers",
};

/** Named presets; `tiny` (the default) looks like diffusers' conversion script's output. */
export const SYNTHETIC_VARIANTS = {
  tiny,
  /** optimum's exporter: int64 ids, a scalar float timestep, latent_parameters, model.onnx_data. */
  "tiny-optimum": {
    ...tiny, inputIds: "int64", timestepShape: "scalar", vaeEncoderOutput: "latent_parameters",
    externalData: "model.onnx_data", axisNames: "optimum",
  },
  /** Older exports: an int64 timestep of shape [1], weights inline. */
  "tiny-legacy": { ...tiny, timestepType: "int64", timestepShape: "one", externalData: "none" },
  /** diffusers' `--fp16`: float16 inputs and outputs everywhere, float16 timestep. */
  "tiny-fp16": { ...tiny, timestepType: "float16", precision: "fp16" },
  /** SD 1.5 widths (UNet 320/640/1280/1280, context 768, VAE 128/256/512/512), external data. */
  sd15: { ...tiny, size: "sd15" },
  /** SD 1.5's full UNet structure and parameter count (3.4 GB, `unet/model.onnx_data`), for honest cost figures. */
  "sd15-full": { ...tiny, size: "sd15", unetStructure: "full", externalData: "model.onnx_data" },
  /** The same with an LCM-distilled UNet's `timestep_cond` and LCMScheduler (LCM_Dreamshaper_v7's layout). */
  "sd15-full-lcm": { ...tiny, size: "sd15", unetStructure: "full", externalData: "model.onnx_data", family: "lcm" },
  /** The same UNet with SD-Turbo's scheduler config (SD-Turbo itself is SD 2.1-shaped: 1024-wide context, 865.9 M). */
  "sd15-full-turbo": { ...tiny, size: "sd15", unetStructure: "full", externalData: "model.onnx_data", family: "sd-turbo" },
  /** SD 2.1's configs at tiny size, but its 1024-wide text encoder (the width the UNet's cross-attention reads). */
  "tiny-sd2": { ...tiny, family: "sd2" },
  /** SD-Turbo's scheduler config (Euler, trailing spacing). */
  "tiny-turbo": { ...tiny, family: "sd-turbo" },
  /** An LCM-distilled UNet: `timestep_cond` [batch, 256] and LCMScheduler. */
  "tiny-lcm": { ...tiny, family: "lcm" },
} satisfies Record<string, SyntheticVariant>;

/** A preset's name. */
export type SyntheticVariantName = keyof typeof SYNTHETIC_VARIANTS;

/** The layer widths of one size. */
export interface SizeSpec {
  text: { hidden: number; layers: number; heads: number; maxPositions: number };
  unet: { channels: number[]; attention: boolean[]; heads: number; groups: number; latentChannels: number };
  vae: { channels: number[]; groups: number; latentChannels: number };
}

/** Widths per size. sd15 keeps SD 1.5's widths with one ResBlock per level (SD has two, three on the way up). */
export const SIZE_SPECS: Record<SyntheticSize, SizeSpec> = {
  tiny: {
    text: { hidden: 32, layers: 1, heads: 2, maxPositions: 77 },
    unet: { channels: [32, 64], attention: [true, false], heads: 2, groups: 8, latentChannels: 4 },
    vae: { channels: [16, 32, 32, 32], groups: 8, latentChannels: 4 },
  },
  sd15: {
    text: { hidden: 768, layers: 2, heads: 12, maxPositions: 77 },
    unet: { channels: [320, 640, 1280, 1280], attention: [true, true, true, false], heads: 8, groups: 32, latentChannels: 4 },
    vae: { channels: [128, 256, 512, 512], groups: 32, latentChannels: 4 },
  },
};

/** Resolves a preset name (or passes a variant through), failing clearly on unknown names and impossible combinations. */
export function resolveVariant(variant: SyntheticVariant | SyntheticVariantName | string = "tiny"): SyntheticVariant {
  if (typeof variant !== "string") return validate(variant);
  const preset = (SYNTHETIC_VARIANTS as Record<string, SyntheticVariant>)[variant];
  if (preset === undefined) {
    throw new Error(`Unknown synthetic model variant "${variant}"; expected one of ${Object.keys(SYNTHETIC_VARIANTS).join(", ")}`);
  }
  return validate(preset);
}

function validate(variant: SyntheticVariant): SyntheticVariant {
  if (!Number.isInteger(variant.seed) || variant.seed < 0 || variant.seed > 0xffffffff) {
    throw new Error(`Expected the seed to be an integer between 0 and 2^32 − 1, got \`${variant.seed}\``);
  }
  if (variant.size === "sd15" && variant.externalData === "none") {
    throw new Error("The sd15 size needs external data (its UNet is over a gigabyte); pick weights.pb or model.onnx_data");
  }
  return variant;
}
