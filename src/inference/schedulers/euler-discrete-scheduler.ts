import { torchLinspace } from "./betas.ts";
import { eulerTimesteps } from "./euler-timesteps.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { karrasSigmas, sigmaToTimestep } from "./karras-sigmas.ts";
import { interpOnIndexGrid } from "./numpy-math.ts";
import { checkOneOf, checkUnsupported, describe, resolveConfig } from "./resolve-config.ts";
import type { Scheduler } from "./scheduler.ts";
import { SchedulerConfigError } from "./scheduler-config-error.ts";
import { DIFFUSERS_BETA_DEFAULTS, type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { SigmaSchedule, sigmaSpaceNoise } from "./sigma-schedule.ts";
import { assertSameLength } from "./step-noise.ts";

const f32 = Math.fround;

/** Euler's own keys on top of the shared ones (defaults: diffusers' `EulerDiscreteScheduler.__init__`). */
export interface EulerDiscreteSchedulerConfig extends SchedulerConfig {
  /** How σ between training timesteps is found: "linear" (np.interp) or "log_linear" (evenly in log σ). @default "linear" */
  interpolation_type: "linear" | "log_linear";
  /** σ spaced as Karras et al. (ρ = 7) between `sigma_min` and `sigma_max`. @default false */
  use_karras_sigmas: boolean;
  /** Not implemented; only false. */
  use_exponential_sigmas: boolean;
  /** Not implemented; only false. */
  use_beta_sigmas: boolean;
  /** Karras' lowest σ; null takes the schedule's own. @default null */
  sigma_min: number | null;
  /** Karras' highest σ; null takes the schedule's own. @default null */
  sigma_max: number | null;
  /** "continuous" with v_prediction feeds the UNet 0.25·ln σ instead of a timestep. @default "discrete" */
  timestep_type: "discrete" | "continuous";
  /** @default false */
  rescale_betas_zero_snr: boolean;
  /** The σ after the last step: 0, or σ of training timestep 0. @default "zero" */
  final_sigmas_type: "zero" | "sigma_min";
}

const EULER_DEFAULTS: Readonly<EulerDiscreteSchedulerConfig> = {
  ...DIFFUSERS_BETA_DEFAULTS,
  prediction_type: "epsilon",
  interpolation_type: "linear",
  use_karras_sigmas: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  sigma_min: null,
  sigma_max: null,
  timestep_spacing: "linspace",
  timestep_type: "discrete",
  steps_offset: 0,
  rescale_betas_zero_snr: false,
  final_sigmas_type: "zero",
};

/**
 * diffusers' `EulerDiscreteScheduler` (Karras et al. 2022, Algorithm 2 without churn): a deterministic Euler step
 * of the probability-flow ODE in σ space. SD-Turbo's scheduler ("trailing" spacing, 1–4 steps). `initNoiseSigma` > 1
 * and `scaleModelInput` divides by √(σ² + 1), as for Euler a.
 *
 * @example
 * const scheduler = new EulerDiscreteScheduler({ ...SD15_SCHEDULER_CONFIG, timestep_spacing: "trailing" });
 * scheduler.setTimesteps(4); // 999, 749, 499, 249
 */
export class EulerDiscreteScheduler implements Scheduler {
  readonly config: Readonly<EulerDiscreteSchedulerConfig>;
  readonly alphasCumprod: Float32Array;
  readonly order = 1;
  readonly #trainSigmas: Float32Array;
  readonly #schedule: SigmaSchedule;

  constructor(config: Partial<EulerDiscreteSchedulerConfig> | SchedulerConfigFile = {}) {
    this.config = resolveConfig(EULER_DEFAULTS, config);
    checkEulerKeys(this.config);
    ({ alphasCumprod: this.alphasCumprod, trainSigmas: this.#trainSigmas } = sigmaSpaceNoise(this.config));
    this.#schedule = new SigmaSchedule("EulerDiscreteScheduler", this.config.timestep_spacing, this.#trainSigmas);
    const sigmas = this.#schedule.sigmas;
    if (this.#continuous) this.#schedule.set([...sigmas.subarray(0, -1)].map(continuousTimestep), sigmas);
  }

  /** The timesteps the UNet is fed, highest first (fractional with "linspace" spacing, Karras σ or "continuous"). */
  get timesteps(): number[] {
    return this.#schedule.timesteps;
  }

  /** The σ of each timestep, then the final σ (float32, as diffusers stores them). */
  get sigmas(): Float32Array {
    return this.#schedule.sigmas;
  }

  get initNoiseSigma(): number {
    return this.#schedule.initNoiseSigma;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkInferenceSteps(numInferenceSteps, this.config.num_train_timesteps);
    let timesteps = eulerTimesteps(this.config, numInferenceSteps);
    let sigmas: number[];
    if (this.config.interpolation_type === "linear") {
      sigmas = timesteps.map((t) => interpOnIndexGrid(t, this.#trainSigmas));
    } else {
      // evenly spaced in log σ from σ_max to σ_min, one more σ than steps (diffusers' "log_linear")
      const logMax = Math.log(this.#trainSigmas[this.#trainSigmas.length - 1]!);
      const logMin = Math.log(this.#trainSigmas[0]!);
      sigmas = [...torchLinspace(logMax, logMin, numInferenceSteps + 1)].map((x) => f32(Math.exp(x)));
    }
    if (this.config.use_karras_sigmas) {
      const lowest = this.config.sigma_min ?? sigmas[sigmas.length - 1]!;
      const highest = this.config.sigma_max ?? sigmas[0]!;
      sigmas = karrasSigmas(lowest, highest, numInferenceSteps);
      const logSigmas = this.#trainSigmas.map((sigma) => Math.log(sigma));
      timesteps = sigmas.map((sigma) => f32(sigmaToTimestep(sigma, logSigmas)));
    }
    const finalSigma = this.config.final_sigmas_type === "zero" ? 0 : this.#trainSigmas[0]!;
    const allSigmas = Float32Array.from([...sigmas, finalSigma]);
    this.#schedule.set(this.#continuous ? [...allSigmas.subarray(0, -1)].map(continuousTimestep) : timesteps, allSigmas);
  }

  setBeginIndex(beginIndex: number): void {
    this.#schedule.setBegin(beginIndex);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    return this.#schedule.scaleModelInput(sample, timestep);
  }

  /** One Euler step from σ to the next σ along the derivative (x − x̂_0)/σ. Never draws noise. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const index = this.#schedule.indexOf(timestep);
    const sigma = this.#schedule.sigmaAt(index);
    const dt = f32(this.#schedule.nextSigma(index) - sigma);
    const vScale = f32(-sigma / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
    const vDivisor = f32(f32(sigma * sigma) + 1);
    const prediction = this.config.prediction_type;
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const out = modelOutput[i]!;
      // 1. predicted x_0 (σ_hat = σ: no churn)
      const x0 =
        prediction === "epsilon" ? f32(x - f32(sigma * out)) : prediction === "v_prediction" ? f32(f32(out * vScale) + f32(x / vDivisor)) : out;
      // 2. Euler step along the ODE derivative
      const derivative = f32(f32(x - x0) / sigma);
      prev[i] = f32(x + f32(derivative * dt));
    }
    this.#schedule.advance();
    return prev;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return this.#schedule.addNoise(original, noise, timestep);
  }

  get #continuous(): boolean {
    return this.config.timestep_type === "continuous" && this.config.prediction_type === "v_prediction";
  }
}

/** The "continuous" timestep diffusers feeds v-prediction models: 0.25·ln σ, in float32. */
function continuousTimestep(sigma: number): number {
  return f32(0.25 * f32(Math.log(sigma)));
}

function checkEulerKeys(config: EulerDiscreteSchedulerConfig): void {
  checkOneOf("interpolation_type", config.interpolation_type, ["linear", "log_linear"]);
  checkOneOf("timestep_type", config.timestep_type, ["discrete", "continuous"]);
  checkOneOf("final_sigmas_type", config.final_sigmas_type, ["zero", "sigma_min"]);
  checkUnsupported("use_exponential_sigmas", config.use_exponential_sigmas, false);
  checkUnsupported("use_beta_sigmas", config.use_beta_sigmas, false);
  for (const key of ["sigma_min", "sigma_max"] as const) {
    const value = config[key];
    if (value !== null && !(typeof value === "number" && value > 0 && Number.isFinite(value))) {
      throw new SchedulerConfigError(`Expected \`${key}\` to be a positive number or null, got ${describe(value)}`);
    }
  }
}
