import type { SchedulerName } from "../schedulers/scheduler.ts";
import { SCHEDULER_NAMES } from "../schedulers/scheduler.ts";
import { MAX_SEED } from "../random/torch-seed.ts";
import { InvalidOptionError } from "./errors.ts";
import type { LatentPreview } from "./latent-preview.ts";
import type { GenerationDefaults } from "./model-family.ts";
import { DEFAULT_VARIATION_STRENGTH, type Variation } from "./variation-noise.ts";

/** One denoising step finished. */
export interface ProgressEvent {
  step: number;
  totalSteps: number;
  timestep: number;
  elapsedMs: number;
  /** A small RGB preview of the image as it forms; only when the options asked for one (`preview`). */
  preview?: LatentPreview;
}

export interface CommonGenerationOptions {
  prompt: string;
  /** What the image should not show; the unconditional half of classifier-free guidance. @default "" */
  negativePrompt?: string;
  /**
   * How the PNG's parameters name the model: the caller's name for it and the commit its files were pinned to.
   * @default the folder's own name (model_index.json), no hash
   */
  model?: { name: string; hash?: string };
  /** Scheduler steps before `strength` is applied. Default: the model family's (SD 1.x and 2.x 30, LCM 4, SD-Turbo 1; SD-Turbo's img2img 2). */
  steps?: number;
  /**
   * Classifier-free guidance scale; ≤ 1 skips the unconditional pass (diffusers' `guidance_scale > 1`). LCM-distilled
   * UNets never run it and take `guidance − 1` as an embedding instead. Default: the family's (7.5; LCM 8.5; Turbo 0).
   */
  guidanceScale?: number;
  /** 0 ≤ seed < 2^64, as torch.Generator().manual_seed takes it. A random one when absent. */
  seed?: number | bigint;
  /**
   * A second seed whose noise is blended into the seed's (A1111's "Variation seed"): the picture stays close to the
   * seed's and changes a little. Same range as `seed`. @default none
   */
  variationSeed?: number | bigint;
  /**
   * How much of the variation seed's noise is slerped in, 0–1 (A1111's "Variation strength"); used only with
   * `variationSeed`. @default 0.1
   */
  variationStrength?: number;
  /**
   * Report a small RGB preview of the latents with each progress event (the cheap linear latent→RGB approximation);
   * costs nothing when off. @default false
   */
  preview?: boolean;
  /** Default: the one the model's scheduler_config.json names (SD 1.x folders name PNDM: "pndm", PLMS). */
  scheduler?: SchedulerName;
  /** DDIM's η (0 = deterministic DDIM). @default 0 */
  eta?: number;
  /**
   * Images to make from one call (a grid): image i uses seed + i (mod 2^64) with its own generator and scheduler, as
   * diffusers' list of per-image generators does, so image i is the same as a run of one with seed + i. The UNet runs
   * them as one batch (× 2 with guidance) when its batch axis allows, else one after another.
   * @default 1
   */
  count?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting stops the run between steps with GenerationCancelledError. */
  signal?: AbortSignal;
}

export interface Img2ImgOptions extends CommonGenerationOptions {
  /** Encoded image bytes (PNG, JPEG, WebP, AVIF, GIF…). */
  image: Buffer | Uint8Array;
  /** How far to noise the input: 1 ignores it, 0.3 keeps most of it. @default 0.75 (SD-Turbo 0.5, its family's img2img default) */
  strength?: number;
  /** Output size; both or neither. Default: the input's aspect ratio under `maxPixels`, sides multiples of 64. */
  width?: number;
  height?: number;
  /** Pixel budget for the automatic size. Default: the model's native size squared (512×512; 768×768 for SD 2.1). */
  maxPixels?: number;
}

export interface Txt2ImgOptions extends CommonGenerationOptions {
  /** Default: the model's native size (512; 768 for SD 2.1). */
  width?: number;
  /** Default: the model's native size. */
  height?: number;
}

/** Defaults that do not depend on the model; the rest come from its family (model-family.ts). */
export const DEFAULTS = {
  eta: 0,
  /** Most images one call makes (memory: the UNet batch is twice this with guidance). */
  maxCount: 8,
  maxPromptLength: 2000,
};


function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

export function checkNumber(name: string, value: unknown, min: number, max: number, opts: { integer?: boolean; minExclusive?: boolean } = {}): number {
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (opts.minExclusive ? value > min : value >= min) &&
    value <= max &&
    (!opts.integer || Number.isInteger(value));
  if (!ok) {
    const kind = opts.integer ? "an integer" : "a number";
    const range = opts.minExclusive ? `greater than ${min} and at most ${max}` : `between ${min} and ${max}`;
    throw new InvalidOptionError(name, `Expected \`${name}\` to be ${kind} ${range}, got ${describe(value)}`);
  }
  return value;
}

export function checkSeed(seed: unknown, name = "seed"): bigint | undefined {
  if (seed === undefined) return undefined;
  const asBig = typeof seed === "bigint" ? seed : typeof seed === "number" && Number.isSafeInteger(seed) ? BigInt(seed) : undefined;
  if (asBig === undefined || asBig < 0n || asBig > MAX_SEED) {
    throw new InvalidOptionError(name, `Expected \`${name}\` to be an integer between 0 and ${MAX_SEED}, got ${describe(seed)}`);
  }
  return asBig;
}

/** The variation seed and its strength, checked; none without a variation seed (a lone strength is refused). */
export function checkVariation(seed: unknown, strength: unknown): Variation | undefined {
  const variationSeed = checkSeed(seed, "variationSeed");
  if (variationSeed === undefined) {
    if (strength !== undefined) throw new InvalidOptionError("variationStrength", "`variationStrength` needs a `variationSeed`");
    return undefined;
  }
  return { seed: variationSeed, strength: checkNumber("variationStrength", strength ?? DEFAULT_VARIATION_STRENGTH, 0, 1) };
}

export function checkScheduler(value: unknown): SchedulerName {
  if (!SCHEDULER_NAMES.includes(value as SchedulerName)) {
    throw new InvalidOptionError("scheduler", `Expected \`scheduler\` to be one of ${SCHEDULER_NAMES.join(", ")}, got ${describe(value)}`);
  }
  return value as SchedulerName;
}

export function checkPrompt(name: string, value: unknown): string {
  if (typeof value !== "string") throw new InvalidOptionError(name, `Expected \`${name}\` to be a string, got ${describe(value)}`);
  if (value.length > DEFAULTS.maxPromptLength) {
    throw new InvalidOptionError(name, `\`${name}\` is ${value.length} characters long; the limit is ${DEFAULTS.maxPromptLength}`);
  }
  return value;
}

export function checkSide(name: string, value: unknown): number {
  const side = checkNumber(name, value, 8, 4096, { integer: true });
  if (side % 8 !== 0) throw new InvalidOptionError(name, `Expected \`${name}\` to be a multiple of 8, got \`${side}\``);
  return side;
}

/** Everything common to both modes, checked and with defaults applied. */
export interface ResolvedCommonOptions {
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidanceScale: number;
  seed: bigint | undefined;
  scheduler: SchedulerName;
  eta: number;
  count: number;
  /** The checked variation, when a variation seed was given. */
  variation: Variation | undefined;
  preview: boolean;
}

/** Everything common to both modes, checked, with the model's defaults for what is not given. */
export function resolveCommonOptions(options: CommonGenerationOptions, defaults: Pick<GenerationDefaults, "steps" | "guidanceScale" | "scheduler">): ResolvedCommonOptions {
  return {
    prompt: checkPrompt("prompt", options.prompt),
    negativePrompt: checkPrompt("negativePrompt", options.negativePrompt ?? ""),
    steps: checkNumber("steps", options.steps ?? defaults.steps, 1, 1000, { integer: true }),
    guidanceScale: checkNumber("guidanceScale", options.guidanceScale ?? defaults.guidanceScale, 0, 50),
    seed: checkSeed(options.seed),
    scheduler: checkScheduler(options.scheduler ?? defaults.scheduler),
    eta: checkNumber("eta", options.eta ?? DEFAULTS.eta, 0, 1),
    count: checkNumber("count", options.count ?? 1, 1, DEFAULTS.maxCount, { integer: true }),
    variation: checkVariation(options.variationSeed, options.variationStrength),
    preview: options.preview === true,
  };
}
