import { eulerTimesteps } from "./euler-timesteps.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { interpOnIndexGrid } from "./numpy-math.ts";
import { resolveConfig } from "./resolve-config.ts";
import type { Scheduler, StepOptions } from "./scheduler.ts";
import { SchedulerConfigError } from "./scheduler-config-error.ts";
import { DIFFUSERS_BETA_DEFAULTS, type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { SigmaSchedule, sigmaSpaceNoise } from "./sigma-schedule.ts";
import { assertSameLength, stepNoise } from "./step-noise.ts";

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
  readonly #trainSigmas: Float32Array;
  readonly #schedule: SigmaSchedule;

  constructor(config: Partial<EulerAncestralDiscreteSchedulerConfig> | SchedulerConfigFile = {}) {
    this.config = resolveConfig(EULER_A_DEFAULTS, config);
    if (this.config.prediction_type === "sample") {
      throw new SchedulerConfigError('EulerAncestralDiscreteScheduler supports prediction_type "epsilon" or "v_prediction", not "sample"');
    }
    ({ alphasCumprod: this.alphasCumprod, trainSigmas: this.#trainSigmas } = sigmaSpaceNoise(this.config));
    this.#schedule = new SigmaSchedule("EulerAncestralDiscreteScheduler", this.config.timestep_spacing, this.#trainSigmas);
  }

  get timesteps(): number[] {
    return this.#schedule.timesteps;
  }

  /** The σ of each timestep, then 0 (float32, as diffusers stores them). */
  get sigmas(): Float32Array {
    return this.#schedule.sigmas;
  }

  get initNoiseSigma(): number {
    return this.#schedule.initNoiseSigma;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkInferenceSteps(numInferenceSteps, this.config.num_train_timesteps);
    const timesteps = eulerTimesteps(this.config, numInferenceSteps);
    this.#schedule.set(timesteps, Float32Array.from(timesteps.map((t) => interpOnIndexGrid(t, this.#trainSigmas)).concat(0)));
  }

  setBeginIndex(beginIndex: number): void {
    this.#schedule.setBegin(beginIndex);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    return this.#schedule.scaleModelInput(sample, timestep);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, opts: StepOptions & { shape?: number[] } = {}): Float32Array {
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const index = this.#schedule.indexOf(timestep);
    const sigma = this.#schedule.sigmaAt(index);
    const sigmaNext = this.#schedule.nextSigma(index);
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
      const x0 = this.config.prediction_type === "epsilon" ? f32(x - f32(sigma * out)) : f32(f32(out * vScale) + f32(x / vDivisor));
      // 2. Euler step to σ_down along the ODE derivative
      const derivative = f32(f32(x - x0) / sigma);
      prev[i] = f32(x + f32(derivative * dt));
    }
    // 3. ancestral noise of size σ_up (drawn even when σ_up is 0, to keep diffusers' stream)
    const noise = stepNoise(opts.noise, opts.generator, opts.shape, sample.length, "EulerAncestralDiscreteScheduler.step");
    for (let i = 0; i < prev.length; i++) prev[i] = f32(prev[i]! + f32(noise[i]! * sigmaUp));
    this.#schedule.advance();
    return prev;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return this.#schedule.addNoise(original, noise, timestep);
  }
}
