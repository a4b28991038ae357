import type { Generator } from "../random/generator.ts";

/** Options of one denoising step. Each scheduler reads the ones it needs. */
export interface StepOptions {
  /** DDIM's η: 0 is deterministic DDIM, 1 is DDPM-like. @default 0 */
  eta?: number;
  /** Noise for DDIM with η > 0; drawn from `generator` when absent. */
  varianceNoise?: Float32Array;
  /** Noise for ancestral schedulers (Euler a) and LCM; drawn from `generator` when absent. */
  noise?: Float32Array;
  /** The seeded generator that stochastic steps draw from (same order as diffusers). */
  generator?: Generator;
}

/** What the pipeline needs of a scheduler: diffusers' API in camelCase on flat Float32Arrays. */
export interface Scheduler {
  /**
   * The schedule set by `setTimesteps`, first to last, one model evaluation each (floats for Euler and Euler a with
   * "linspace" spacing; PNDM's PLMS has `steps + 1` entries, its second timestep twice).
   */
  readonly timesteps: number[];
  readonly initNoiseSigma: number;
  /** How many entries of `timesteps` one denoising step consumes (diffusers' `order`; 1 for all schedulers here). */
  readonly order: number;
  setTimesteps(numInferenceSteps: number): void;
  /**
   * Where in `timesteps` denoising starts (diffusers' `set_begin_index`, which img2img calls): schedulers that keep
   * a step index start there and `addNoise` noises to that step's level. Reset by `setTimesteps`.
   */
  setBeginIndex(beginIndex: number): void;
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /**
   * `shape` is used only where noise is drawn from `opts.generator`; torch's stream depends only on the element
   * count, so it defaults to the flat length of `modelOutput`.
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, opts?: StepOptions & { shape?: number[] }): Float32Array;
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

/** The names users pick from (Discord choices, CLI `--scheduler`). */
export const SCHEDULER_NAMES = ["ddim", "pndm", "dpm++2m", "euler-a", "euler", "lcm"] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];
