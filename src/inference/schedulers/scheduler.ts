import type { Generator } from "../random/generator.ts";

/** Options of one denoising step. Each scheduler reads the ones it needs. */
export interface StepOptions {
  /** DDIM's η: 0 is deterministic DDIM, 1 is DDPM-like. @default 0 */
  eta?: number;
  /** Noise for DDIM with η > 0; drawn from `generator` when absent. */
  varianceNoise?: Float32Array;
  /** Noise for ancestral schedulers; drawn from `generator` when absent. */
  noise?: Float32Array;
  /** The seeded generator that stochastic steps draw from (same order as diffusers). */
  generator?: Generator;
}

/** What the pipeline needs of a scheduler: diffusers' API in camelCase on flat Float32Arrays. */
export interface Scheduler {
  readonly timesteps: number[];
  readonly initNoiseSigma: number;
  setTimesteps(numInferenceSteps: number): void;
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /** `shape` is needed only where noise must be drawn from `opts.generator`. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, opts?: StepOptions & { shape?: number[] }): Float32Array;
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

/** The names users pick from (Discord choices, CLI `--scheduler`). */
export const SCHEDULER_NAMES = ["ddim", "dpm++2m", "euler-a"] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];
