import type { SchedulerName } from "../schedulers/scheduler.ts";
import { SCHEDULER_NAMES } from "../schedulers/scheduler.ts";
import { MAX_SEED } from "../random/torch-seed.ts";
import { InvalidOptionError } from "./errors.ts";

/** One denoising step finished. */
export interface ProgressEvent {
  step: number;
  totalSteps: number;
  timestep: number;
  elapsedMs: number;
}

export interface CommonGenerationOptions {
  prompt: string;
  /** What the image should not show; the unconditional half of classifier-free guidance. @default "" */
  negativePrompt?: string;
  /** Scheduler steps before `strength` is applied. @default 30 */
  steps?: number;
  /** Classifier-free guidance scale; ≤ 1 skips the unconditional pass. @default 7.5 */
  guidanceScale?: number;
  /** 0 ≤ seed < 2^64, as torch.Generator().manual_seed takes it. A random one when absent. */
  seed?: number | bigint;
  /** @default "ddim" */
  scheduler?: SchedulerName;
  /** DDIM's η (0 = deterministic DDIM). @default 0 */
  eta?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Aborting stops the run between steps with GenerationCancelledError. */
  signal?: AbortSignal;
}

export interface Img2ImgOptions extends CommonGenerationOptions {
  /** Encoded image bytes (PNG, JPEG, WebP, AVIF, GIF…). */
  image: Buffer | Uint8Array;
  /** How far to noise the input: 1 ignores it, 0.3 keeps most of it. @default 0.75 */
  strength?: number;
  /** Output size; both or neither. Default: the input's aspect ratio under `maxPixels`, sides multiples of 64. */
  width?: number;
  height?: number;
  /** Pixel budget for the automatic size. @default 262144 (512×512) */
  maxPixels?: number;
}

export interface Txt2ImgOptions extends CommonGenerationOptions {
  /** @default 512 */
  width?: number;
  /** @default 512 */
  height?: number;
}

export const DEFAULTS = {
  steps: 30,
  guidanceScale: 7.5,
  scheduler: "ddim" as SchedulerName,
  eta: 0,
  maxPixels: 512 * 512,
  size: 512,
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

export function checkSeed(seed: unknown): bigint | undefined {
  if (seed === undefined) return undefined;
  const asBig = typeof seed === "bigint" ? seed : typeof seed === "number" && Number.isSafeInteger(seed) ? BigInt(seed) : undefined;
  if (asBig === undefined || asBig < 0n || asBig > MAX_SEED) {
    throw new InvalidOptionError("seed", `Expected \`seed\` to be an integer between 0 and ${MAX_SEED}, got ${describe(seed)}`);
  }
  return asBig;
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
}

export function resolveCommonOptions(options: CommonGenerationOptions): ResolvedCommonOptions {
  return {
    prompt: checkPrompt("prompt", options.prompt),
    negativePrompt: checkPrompt("negativePrompt", options.negativePrompt ?? ""),
    steps: checkNumber("steps", options.steps ?? DEFAULTS.steps, 1, 1000, { integer: true }),
    guidanceScale: checkNumber("guidanceScale", options.guidanceScale ?? DEFAULTS.guidanceScale, 0, 50),
    seed: checkSeed(options.seed),
    scheduler: checkScheduler(options.scheduler ?? DEFAULTS.scheduler),
    eta: checkNumber("eta", options.eta ?? DEFAULTS.eta, 0, 1),
  };
}
