import { computeNoiseSchedule } from "./betas.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { eulerTimesteps, unitVarianceDivisor } from "./euler-timesteps.ts";
import { interpOnIndexGrid } from "./numpy-math.ts";
import { resolveConfig } from "./resolve-config.ts";
import type { Scheduler, StepOptions } from "./scheduler.ts";
import { SchedulerConfigError } from "./scheduler-config-error.ts";
import { DIFFUSERS_BETA_DEFAULTS, type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { StepIndex } from "./step-index.ts";
import { assertSameLength, stepNoise } from "./step-noise.ts";
import { sigmasFromAlphasCumprod } from "./sigmas.ts";

const f32 = Math.fround;

/** Euler a's own keys on top of the shared ones (defaults: diffusers' `EulerAncestralDiscreteScheduler.__init__`). */
export interface EulerAncestralDiscreteSchedulerConfig extends SchedulerConfig {
  /** @default false */
  rescale_betas_zero_snr: boolean;
}

const EULER_A_DEFAULTS: Readonly<EulerAncestralDiscreteSchedulerConfig> = {
  ...DIFFUSERS_BETA_DEFAULTS,
  prediction_type: "epsilon",
  timestep_spacing: "linspace",
  steps_offset: 0,
  rescale_betas_zero_snr: false,
};

/**
 * diffusers' `EulerAncestralDiscreteScheduler` ("Euler a"): an Euler step down to σ_down, then fresh noise of
 * size σ_up, drawn from the generator at every step (the last included) exactly as diffusers draws it.
 * Works in σ space: `initNoiseSigma` > 1 and `scaleModelInput` divides by √(σ² + 1).
 *
 * @example
 * const scheduler = new EulerAncestralDiscreteScheduler(SD15_SCHEDULER_CONFIG);
 * scheduler.setTimesteps(20);
 * const next = scheduler.step(eps, scheduler.timesteps[0], latents, { generator, shape: [1, 4, 64, 64] });
 */
export class EulerAncestralDiscreteScheduler implements Scheduler {
  readonly config: Readonly<EulerAncestralDiscreteSchedulerConfig>;
  readonly alphasCumprod: Float32Array;
  readonly order = 1;
  #trainSigmas: Float32Array;
  #sigmas: Float32Array;
  #timesteps: number[];
  readonly #index = new StepIndex("throw");

  constructor(config: Partial<EulerAncestralDiscreteSchedulerConfig> | SchedulerConfigFile = {}) {
    this.config = resolveConfig(EULER_A_DEFAULTS, config);
    if (this.config.prediction_type === "sample") {
      throw new SchedulerConfigError('EulerAncestralDiscreteScheduler supports prediction_type "epsilon" or "v_prediction", not "sample"');
    }
    this.alphasCumprod = computeNoiseSchedule(this.config).alphasCumprod;
    // diffusers keeps the last ᾱ off zero so that σ stays finite.
    if (this.config.rescale_betas_zero_snr) this.alphasCumprod[this.alphasCumprod.length - 1] = 2 ** -24;
    this.#trainSigmas = sigmasFromAlphasCumprod(this.alphasCumprod);
    // Before setTimesteps, as in diffusers: every training timestep, high noise first.
    this.#sigmas = Float32Array.from([...this.#trainSigmas].reverse().concat(0));
    this.#timesteps = Array.from({ length: this.config.num_train_timesteps }, (_, i) => this.config.num_train_timesteps - 1 - i);
  }

  get timesteps(): number[] {
    return this.#timesteps;
  }

  /** The σ of each timestep, then 0 (float32, as diffusers stores them). */
  get sigmas(): Float32Array {
    return this.#sigmas;
  }

  /** σ_max for "linspace"/"trailing" spacing, √(σ_max² + 1) for "leading" (diffusers' rule). */
  get initNoiseSigma(): number {
    const max = this.#sigmas.reduce((a, b) => Math.max(a, b), 0);
    return this.config.timestep_spacing === "leading" ? unitVarianceDivisor(max) : max;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkInferenceSteps(numInferenceSteps, this.config.num_train_timesteps);
    const timesteps = eulerTimesteps(this.config, numInferenceSteps);
    this.#timesteps = timesteps;
    this.#sigmas = Float32Array.from(timesteps.map((t) => interpOnIndexGrid(t, this.#trainSigmas)).concat(0));
    this.#index.reset();
  }

  setBeginIndex(beginIndex: number): void {
    this.#index.setBegin(beginIndex, this.#timesteps.length);
  }

  /** sample / √(σ² + 1), so the UNet sees unit-variance input. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const divisor = unitVarianceDivisor(this.#sigmaAt(this.#index.resolve(timestep, this.#timesteps)));
    return sample.map((x) => x / divisor);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, opts: StepOptions & { shape?: number[] } = {}): Float32Array {
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const index = this.#index.resolve(timestep, this.#timesteps);
    const sigma = this.#sigmaAt(index);
    const sigmaNext = this.#sigmas[index + 1];
    if (sigmaNext === undefined) throw new RangeError(`EulerAncestralDiscreteScheduler.step: no step after index ${index}; call setTimesteps again`);
    const sigmaSq = f32(sigma * sigma);
    const nextSq = f32(sigmaNext * sigmaNext);
    const sigmaUp = f32(Math.sqrt(f32(f32(nextSq * f32(sigmaSq - nextSq)) / sigmaSq)));
    const sigmaDown = f32(Math.sqrt(f32(nextSq - f32(sigmaUp * sigmaUp))));
    const dt = f32(sigmaDown - sigma);
    const vScale = f32(-sigma / f32(Math.sqrt(f32(sigmaSq + 1))));
    const vDivisor = f32(sigmaSq + 1);

    const prev = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const out = modelOutput[i]!;
      // 1. predicted x_0 from σ-scaled ε (or v)
      const x0 =
        this.config.prediction_type === "epsilon"
          ? f32(x - f32(sigma * out))
          : f32(f32(out * vScale) + f32(x / vDivisor));
      // 2. Euler step to σ_down along the ODE derivative
      const derivative = f32(f32(x - x0) / sigma);
      prev[i] = f32(x + f32(derivative * dt));
    }
    // 3. ancestral noise of size σ_up (drawn even when σ_up is 0, to keep diffusers' stream)
    const noise = stepNoise(opts.noise, opts.generator, opts.shape, sample.length, "EulerAncestralDiscreteScheduler.step");
    for (let i = 0; i < prev.length; i++) prev[i] = f32(prev[i]! + f32(noise[i]! * sigmaUp));
    this.#index.advance();
    return prev;
  }

  /** x_0 + σ·ε at the timestep's σ (or at the begin index's σ once one is set, as diffusers does). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    assertSameLength(original, noise, "original and noise");
    const sigma = this.#sigmaAt(this.#index.forAddNoise(timestep, this.#timesteps));
    return original.map((x, i) => x + f32(noise[i]! * sigma));
  }

  #sigmaAt(index: number): number {
    const sigma = this.#sigmas[index];
    if (sigma === undefined) throw new RangeError(`EulerAncestralDiscreteScheduler: no σ at index ${index}; call setTimesteps again`);
    return sigma;
  }
}
