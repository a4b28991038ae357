import { addNoiseAtTimestep, alphaCumprodAt } from "./alpha-noise.ts";
import { computeNoiseSchedule } from "./betas.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { checkFinite, checkInteger, checkUnsupported, resolveConfig } from "./resolve-config.ts";
import type { Scheduler, StepOptions } from "./scheduler.ts";
import { type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { StepIndex } from "./step-index.ts";
import { assertSameLength, stepNoise } from "./step-noise.ts";

const f32 = Math.fround;

/** LCM's own keys on top of the shared ones (defaults: diffusers' `LCMScheduler.__init__`). */
export interface LCMSchedulerConfig extends SchedulerConfig {
  /** The distillation schedule's length; inference timesteps are picked from its `original_inference_steps` points. @default 50 */
  original_inference_steps: number;
  /** @default false */
  clip_sample: boolean;
  /** @default 1 */
  clip_sample_range: number;
  /** Kept for diffusers' config; LCM never steps past timestep 0. @default true */
  set_alpha_to_one: boolean;
  /** Not implemented; only false. */
  thresholding: boolean;
  /** Read by thresholding only. @default 0.995 */
  dynamic_thresholding_ratio: number;
  /** Read by thresholding only. @default 1 */
  sample_max_value: number;
  /** Scales the timestep in the consistency boundary condition (c_skip, c_out). @default 10 */
  timestep_scaling: number;
  /** @default false */
  rescale_betas_zero_snr: boolean;
}

/** LCM's defaults are SD's scaled-linear betas (unlike every other diffusers scheduler). */
const LCM_DEFAULTS: Readonly<LCMSchedulerConfig> = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  trained_betas: null,
  original_inference_steps: 50,
  clip_sample: false,
  clip_sample_range: 1.0,
  set_alpha_to_one: true,
  steps_offset: 0,
  prediction_type: "epsilon",
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  sample_max_value: 1.0,
  timestep_spacing: "leading",
  timestep_scaling: 10.0,
  rescale_betas_zero_snr: false,
};

/** LCM's σ_data, the data's standard deviation in the consistency parameterisation. */
const SIGMA_DATA = 0.5;

/**
 * diffusers' `LCMScheduler` (Latent Consistency Models, arXiv 2310.04378): each step predicts the clean sample with
 * the consistency boundary condition (c_skip·x + c_out·x̂_0), then, except on the last step, re-noises it to the next
 * timestep with fresh noise from the seeded generator, drawn exactly where diffusers draws it. `timestep_spacing` and
 * `steps_offset` are accepted but, as in diffusers, not read: the timesteps come from the distillation schedule.
 *
 * @example
 * const scheduler = new LCMScheduler(SD15_SCHEDULER_CONFIG);
 * scheduler.setTimesteps(4); // 999, 759, 499, 259
 */
export class LCMScheduler implements Scheduler {
  readonly config: Readonly<LCMSchedulerConfig>;
  readonly alphasCumprod: Float32Array;
  readonly initNoiseSigma = 1;
  readonly order = 1;
  #timesteps: number[];
  #numInferenceSteps: number | null = null;
  readonly #index = new StepIndex("throw");

  constructor(config: Partial<LCMSchedulerConfig> | SchedulerConfigFile = {}) {
    this.config = resolveConfig(LCM_DEFAULTS, config);
    checkInteger("original_inference_steps", this.config.original_inference_steps, 1);
    checkFinite("clip_sample_range", this.config.clip_sample_range);
    checkFinite("timestep_scaling", this.config.timestep_scaling);
    checkUnsupported("thresholding", this.config.thresholding, false);
    this.alphasCumprod = computeNoiseSchedule(this.config).alphasCumprod;
    this.#timesteps = Array.from({ length: this.config.num_train_timesteps }, (_, i) => this.config.num_train_timesteps - 1 - i);
  }

  get timesteps(): number[] {
    return this.#timesteps;
  }

  /**
   * diffusers' `set_timesteps(num_inference_steps, strength=strength)`: the distillation schedule k−1, 2k−1, …
   * (k = num_train_timesteps / original_inference_steps) cut to its first ⌊original_inference_steps·strength⌋
   * points, then `numInferenceSteps` of them picked evenly from the top. LCM img2img passes its strength here and
   * runs every timestep (it sets no begin index).
   *
   * @throws {RangeError} when the cut schedule has fewer points than `numInferenceSteps`.
   */
  setTimesteps(numInferenceSteps: number, strength = 1): void {
    const { num_train_timesteps: trainSteps, original_inference_steps: originalSteps } = this.config;
    checkInferenceSteps(numInferenceSteps, trainSteps);
    if (originalSteps > trainSteps) {
      throw new RangeError(`original_inference_steps ${originalSteps} cannot exceed num_train_timesteps ${trainSteps}`);
    }
    const k = Math.floor(trainSteps / originalSteps);
    // Python's int() on the same double product, as diffusers computes it
    const available = Math.floor(originalSteps * strength);
    if (Math.floor(available / numInferenceSteps) < 1) {
      throw new RangeError(
        `LCM picks its ${numInferenceSteps} steps from ${available} distillation timesteps (original_inference_steps ${originalSteps} × strength ${strength}); use at most ${available} steps or a higher strength`,
      );
    }
    if (numInferenceSteps > originalSteps) {
      throw new RangeError(`LCM runs at most original_inference_steps (${originalSteps}) steps, got ${numInferenceSteps}`);
    }
    // the first `available` points of the distillation schedule, highest first
    const origin = Array.from({ length: available }, (_, i) => (available - i) * k - 1);
    // np.floor(np.linspace(0, len, num, endpoint=False)): i·(len/num), floored
    const stride = available / numInferenceSteps;
    this.#timesteps = Array.from({ length: numInferenceSteps }, (_, i) => origin[Math.floor(i * stride)]!);
    this.#numInferenceSteps = numInferenceSteps;
    this.#index.reset();
  }

  setBeginIndex(beginIndex: number): void {
    this.#index.setBegin(beginIndex, this.#timesteps.length);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  /**
   * The consistency-model step: the denoised sample c_skip·x + c_out·x̂_0; before the last step it is noised to the
   * next timestep with `opts.noise` or a draw of `opts.shape` from `opts.generator` (diffusers' `randn_tensor`).
   */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, opts: StepOptions & { shape?: number[] } = {}): Float32Array {
    if (this.#numInferenceSteps === null) throw new Error("LCMScheduler.step: call setTimesteps first");
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const index = this.#index.resolve(timestep, this.#timesteps);
    if (index >= this.#timesteps.length) throw new RangeError(`LCMScheduler.step: no step after index ${index - 1}; call setTimesteps again`);
    // 1. the previous timestep: the next in the schedule, or this one on the last step
    const prevTimestep = this.#timesteps[index + 1] ?? timestep;
    // 2. ᾱ_t, ᾱ_prev
    const alphaProd = this.#alphaAt(timestep);
    const alphaProdPrev = this.#alphaAt(prevTimestep);
    const sqrtAlpha = f32(Math.sqrt(alphaProd));
    const sqrtBeta = f32(Math.sqrt(f32(1 - alphaProd)));
    // 3. boundary-condition scalings
    const scaled = f32(timestep * this.config.timestep_scaling);
    const scaledSq = f32(scaled * scaled);
    const cSkip = f32((SIGMA_DATA * SIGMA_DATA) / f32(scaledSq + SIGMA_DATA * SIGMA_DATA));
    const cOut = f32(scaled / f32(Math.sqrt(f32(scaledSq + SIGMA_DATA * SIGMA_DATA))));
    const clip = this.config.clip_sample ? f32(this.config.clip_sample_range) : Infinity;
    const prediction = this.config.prediction_type;

    const denoised = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const out = modelOutput[i]!;
      // 4. predicted x_0
      let x0 =
        prediction === "epsilon" ? f32(f32(x - f32(sqrtBeta * out)) / sqrtAlpha) : prediction === "v_prediction" ? f32(f32(sqrtAlpha * x) - f32(sqrtBeta * out)) : out;
      // 5. clip x_0
      x0 = Math.min(clip, Math.max(-clip, x0));
      // 6. denoise with the boundary condition
      denoised[i] = f32(f32(cOut * x0) + f32(cSkip * x));
    }
    const last = index === this.#numInferenceSteps - 1;
    this.#index.advance();
    if (last) return denoised;
    // 7. noise to the previous timestep (diffusers draws model_output.shape here)
    const noise = stepNoise(opts.noise, opts.generator, opts.shape, sample.length, "LCMScheduler.step");
    const sqrtAlphaPrev = f32(Math.sqrt(alphaProdPrev));
    const sqrtBetaPrev = f32(Math.sqrt(f32(1 - alphaProdPrev)));
    return denoised.map((d, i) => f32(sqrtAlphaPrev * d) + f32(sqrtBetaPrev * noise[i]!));
  }

  /** x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (by timestep, as diffusers' LCM `add_noise`). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseAtTimestep(this.alphasCumprod, original, noise, timestep);
  }

  #alphaAt(timestep: number): number {
    return alphaCumprodAt(this.alphasCumprod, timestep);
  }
}
