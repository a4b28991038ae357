import { addNoiseAtTimestep, alphaCumprodAt } from "./alpha-noise.ts";
import { computeNoiseSchedule } from "./betas.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { roundHalfEven, arange, linspace } from "./numpy-math.ts";
import { checkFinite, checkUnsupported, resolveConfig } from "./resolve-config.ts";
import type { Scheduler, StepOptions } from "./scheduler.ts";
import { DIFFUSERS_BETA_DEFAULTS, type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { assertSameLength, stepNoise } from "./step-noise.ts";

const f32 = Math.fround;

/** DDIM's own keys on top of the shared ones. */
export interface DDIMSchedulerConfig extends SchedulerConfig {
  /** Clamp the predicted x_0 to ±`clip_sample_range`. @default true */
  clip_sample: boolean;
  /** @default 1 */
  clip_sample_range: number;
  /** ᾱ past the last step: 1, or ᾱ_0 when false. @default true */
  set_alpha_to_one: boolean;
  /** @default false */
  rescale_betas_zero_snr: boolean;
  /** Dynamic thresholding is not implemented; only `false` is accepted. @default false */
  thresholding: boolean;
  /** Read by dynamic thresholding only. @default 0.995 */
  dynamic_thresholding_ratio: number;
  /** Read by dynamic thresholding only. @default 1 */
  sample_max_value: number;
}

/** diffusers' `DDIMScheduler.__init__` defaults, which keys missing from a model's config take. */
const DDIM_DEFAULTS: Readonly<DDIMSchedulerConfig> = {
  ...DIFFUSERS_BETA_DEFAULTS,
  clip_sample: true,
  set_alpha_to_one: true,
  steps_offset: 0,
  prediction_type: "epsilon",
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  clip_sample_range: 1.0,
  sample_max_value: 1.0,
  timestep_spacing: "leading",
  rescale_betas_zero_snr: false,
};

/**
 * diffusers' `DDIMScheduler` (arXiv 2010.02502): deterministic with η = 0, adding `varianceNoise` (or noise from the
 * generator) with η > 0. Arithmetic follows diffusers' float32 torch operations one by one. `new DDIMScheduler()`
 * is diffusers' `DDIMScheduler()`; pass a model's `scheduler_config.json` for that model's schedule.
 *
 * @example
 * const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
 * scheduler.setTimesteps(20); // 951, 901, …, 1
 */
export class DDIMScheduler implements Scheduler {
  readonly config: Readonly<DDIMSchedulerConfig>;
  readonly alphasCumprod: Float32Array;
  /** ᾱ used past the last step: 1, or ᾱ_0 when `set_alpha_to_one` is false (SD 1.5). */
  readonly finalAlphaCumprod: number;
  readonly initNoiseSigma = 1;
  readonly order = 1;
  #timesteps: number[];
  #numInferenceSteps: number | null = null;

  constructor(config: Partial<DDIMSchedulerConfig> | SchedulerConfigFile = {}) {
    this.config = resolveConfig(DDIM_DEFAULTS, config);
    checkUnsupported("thresholding", this.config.thresholding, false);
    checkFinite("clip_sample_range", this.config.clip_sample_range);
    this.alphasCumprod = computeNoiseSchedule(this.config).alphasCumprod;
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
    this.#timesteps = Array.from({ length: this.config.num_train_timesteps }, (_, i) => this.config.num_train_timesteps - 1 - i);
  }

  get timesteps(): number[] {
    return this.#timesteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    const trainSteps = this.config.num_train_timesteps;
    checkInferenceSteps(numInferenceSteps, trainSteps);
    this.#numInferenceSteps = numInferenceSteps;
    switch (this.config.timestep_spacing) {
      case "linspace":
        this.#timesteps = linspace(0, trainSteps - 1, numInferenceSteps).map(roundHalfEven).reverse();
        break;
      case "leading": {
        const ratio = Math.floor(trainSteps / numInferenceSteps);
        this.#timesteps = Array.from({ length: numInferenceSteps }, (_, i) => (numInferenceSteps - 1 - i) * ratio + this.config.steps_offset);
        break;
      }
      case "trailing":
        this.#timesteps = arange(trainSteps, 0, -trainSteps / numInferenceSteps).map((t) => roundHalfEven(t) - 1);
        break;
    }
  }

  /** DDIM needs no begin index (it reads ᾱ by timestep); kept for the common interface. */
  setBeginIndex(beginIndex: number): void {
    if (!Number.isSafeInteger(beginIndex) || beginIndex < 0) throw new RangeError(`Expected \`beginIndex\` to be a non-negative integer, got \`${beginIndex}\``);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, opts: StepOptions & { shape?: number[] } = {}): Float32Array {
    if (this.#numInferenceSteps === null) throw new Error("DDIMScheduler.step: call setTimesteps first");
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const eta = opts.eta ?? 0;
    checkFinite("eta", eta);
    if (eta > 0 && opts.varianceNoise && opts.generator) {
      throw new TypeError("DDIMScheduler.step: pass either `varianceNoise` or `generator`, not both");
    }
    // 1. previous step (= t − ratio), 2. ᾱ_t and ᾱ_{t−1}
    const prevTimestep = timestep - Math.floor(this.config.num_train_timesteps / this.#numInferenceSteps);
    const alphaProd = this.#alphaAt(timestep);
    const alphaProdPrev = prevTimestep >= 0 ? this.#alphaAt(prevTimestep) : this.finalAlphaCumprod;
    const betaProd = f32(1 - alphaProd);
    const sqrtAlpha = f32(Math.sqrt(alphaProd));
    const sqrtBeta = f32(Math.sqrt(betaProd));
    // 5. σ_t(η) of formula (16)
    const variance = f32(f32(f32(1 - alphaProdPrev) / betaProd) * f32(1 - f32(alphaProd / alphaProdPrev)));
    const stdDev = f32(f32(eta) * f32(Math.sqrt(variance)));
    const directionScale = f32(Math.sqrt(f32(f32(1 - alphaProdPrev) - f32(stdDev * stdDev))));
    const sqrtAlphaPrev = f32(Math.sqrt(alphaProdPrev));
    const clip = this.config.clip_sample ? f32(this.config.clip_sample_range) : Infinity;
    const noise = eta > 0 ? stepNoise(opts.varianceNoise, opts.generator, opts.shape, sample.length, "DDIMScheduler.step with eta > 0") : undefined;

    const prev = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const out = modelOutput[i]!;
      // 3. predicted x_0 and ε, formula (12)
      let x0: number;
      let eps: number;
      switch (this.config.prediction_type) {
        case "epsilon":
          x0 = f32(f32(x - f32(sqrtBeta * out)) / sqrtAlpha);
          eps = out;
          break;
        case "sample":
          x0 = out;
          eps = f32(f32(x - f32(sqrtAlpha * x0)) / sqrtBeta);
          break;
        case "v_prediction":
          x0 = f32(f32(sqrtAlpha * x) - f32(sqrtBeta * out));
          eps = f32(f32(sqrtAlpha * out) + f32(sqrtBeta * x));
          break;
      }
      // 4. clip x_0
      x0 = Math.min(clip, Math.max(-clip, x0));
      // 6.–7. direction pointing to x_t, then x_{t−1}
      let value = f32(f32(sqrtAlphaPrev * x0) + f32(directionScale * eps));
      if (noise) value = f32(value + f32(stdDev * noise[i]!));
      prev[i] = value;
    }
    return prev;
  }

  /** x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseAtTimestep(this.alphasCumprod, original, noise, timestep);
  }

  #alphaAt(timestep: number): number {
    return alphaCumprodAt(this.alphasCumprod, timestep);
  }
}
