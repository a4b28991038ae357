import { computeNoiseSchedule } from "./betas.ts";
import type { SchedulerConfig } from "./scheduler-config.ts";
import { sigmasFromAlphasCumprod } from "./sigmas.ts";
import { StepIndex } from "./step-index.ts";
import { assertSameLength } from "./step-noise.ts";

const f32 = Math.fround;

/** ᾱ and σ of every training timestep for the σ-space schedulers, with diffusers' zero-terminal-SNR guard. */
export function sigmaSpaceNoise(config: Pick<SchedulerConfig, "num_train_timesteps" | "beta_start" | "beta_end" | "beta_schedule" | "trained_betas"> & { rescale_betas_zero_snr: boolean }): {
  alphasCumprod: Float32Array;
  trainSigmas: Float32Array;
} {
  const alphasCumprod = computeNoiseSchedule(config).alphasCumprod;
  // diffusers keeps the last ᾱ off zero so that σ stays finite.
  if (config.rescale_betas_zero_snr) alphasCumprod[alphasCumprod.length - 1] = 2 ** -24;
  return { alphasCumprod, trainSigmas: sigmasFromAlphasCumprod(alphasCumprod) };
}

/** √(σ² + 1) in float32: what `scale_model_input` divides by and the "leading" `init_noise_sigma`. */
export function unitVarianceDivisor(sigma: number): number {
  return f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
}

/**
 * What Euler and Euler a share: the timesteps, their σ (then the final σ), the step index, and the three
 * σ-space rules of diffusers: `init_noise_sigma`, `scale_model_input` and `add_noise`.
 */
export class SigmaSchedule {
  readonly #who: string;
  readonly #spacing: SchedulerConfig["timestep_spacing"];
  #timesteps: number[];
  #sigmas: Float32Array;
  readonly #index = new StepIndex("throw");

  /** Before `set`, as in diffusers: every training timestep, high noise first, then σ = 0. */
  constructor(who: string, spacing: SchedulerConfig["timestep_spacing"], trainSigmas: Float32Array, timesteps?: number[]) {
    this.#who = who;
    this.#spacing = spacing;
    const count = trainSigmas.length;
    this.#timesteps = timesteps ?? Array.from({ length: count }, (_, i) => count - 1 - i);
    this.#sigmas = Float32Array.from([...trainSigmas].reverse().concat(0));
  }

  get timesteps(): number[] {
    return this.#timesteps;
  }

  get sigmas(): Float32Array {
    return this.#sigmas;
  }

  /** A new schedule (`sigmas` has one more entry than `timesteps`); forgets the step and begin indices. */
  set(timesteps: number[], sigmas: Float32Array): void {
    this.#timesteps = timesteps;
    this.#sigmas = sigmas;
    this.#index.reset();
  }

  /** σ_max for "linspace"/"trailing" spacing, √(σ_max² + 1) for "leading" (diffusers' rule). */
  get initNoiseSigma(): number {
    const max = this.#sigmas.reduce((a, b) => Math.max(a, b), 0);
    return this.#spacing === "leading" ? unitVarianceDivisor(max) : max;
  }

  setBegin(beginIndex: number): void {
    this.#index.setBegin(beginIndex, this.#timesteps.length);
  }

  /** The index of the step `timestep` is (initialised from the begin index or the timestep's position). */
  indexOf(timestep: number): number {
    return this.#index.resolve(timestep, this.#timesteps);
  }

  advance(): void {
    this.#index.advance();
  }

  sigmaAt(index: number): number {
    const sigma = this.#sigmas[index];
    if (sigma === undefined) throw new RangeError(`${this.#who}: no σ at index ${index}; call setTimesteps again`);
    return sigma;
  }

  /** σ of the step after `index`; fails once every step has run. */
  nextSigma(index: number): number {
    const sigma = this.#sigmas[index + 1];
    if (sigma === undefined) throw new RangeError(`${this.#who}.step: no step after index ${index}; call setTimesteps again`);
    return sigma;
  }

  /** sample / √(σ² + 1), so the UNet sees unit-variance input. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const divisor = unitVarianceDivisor(this.sigmaAt(this.indexOf(timestep)));
    return sample.map((x) => x / divisor);
  }

  /** x_0 + σ·ε at the timestep's σ (or at the current/begin index's σ once a begin index is set, as diffusers does). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    assertSameLength(original, noise, "original and noise");
    const sigma = this.sigmaAt(this.#index.forAddNoise(timestep, this.#timesteps));
    return original.map((x, i) => x + f32(noise[i]! * sigma));
  }
}
