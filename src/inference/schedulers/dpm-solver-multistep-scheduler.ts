import { computeNoiseSchedule } from "./betas.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { karrasSigmas, luSigmas, sigmaToTimestep } from "./karras-sigmas.ts";
import { arange, linspace, roundHalfEven } from "./numpy-math.ts";
import { checkOneOf, checkUnsupported, describe, resolveConfig } from "./resolve-config.ts";
import type { Scheduler } from "./scheduler.ts";
import { SchedulerConfigError } from "./scheduler-config-error.ts";
import { DIFFUSERS_BETA_DEFAULTS, type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { alphaSigmaFromSigma, sigmasFromAlphasCumprod } from "./sigmas.ts";
import { StepIndex } from "./step-index.ts";
import { assertSameLength } from "./step-noise.ts";

const f32 = Math.fround;

/** DPM-Solver's own keys on top of the shared ones (defaults: diffusers' `DPMSolverMultistepScheduler.__init__`). */
export interface DPMSolverMultistepSchedulerConfig extends SchedulerConfig {
  /** 1 or 2 (3 is not implemented). @default 2 */
  solver_order: number;
  /** Only the data-prediction solver is implemented ("deis" maps to it, as in diffusers). @default "dpmsolver++" */
  algorithm_type: string;
  /** @default "midpoint" */
  solver_type: string;
  /** First order on the last step of short (< 15 step) schedules. @default true */
  lower_order_final: boolean;
  /** @default false */
  euler_at_final: boolean;
  /** The σ after the last step: 0 lands on the clean sample, "sigma_min" stops at σ of timestep 0. @default "zero" */
  final_sigmas_type: "zero" | "sigma_min";
  /** Timesteps whose log-SNR λ is below this are cut off the top of the schedule. @default -Infinity */
  lambda_min_clipped: number;
  /** @default false */
  rescale_betas_zero_snr: boolean;
  /** Not implemented; only null. */
  variance_type: null;
  /** Not implemented; only false. */
  thresholding: boolean;
  /** Read by thresholding only. @default 0.995 */
  dynamic_thresholding_ratio: number;
  /** Read by thresholding only. @default 1 */
  sample_max_value: number;
  /** σ spaced as Karras et al. (ρ = 7) over the training schedule's range. @default false */
  use_karras_sigmas: boolean;
  /** Not implemented; only false. */
  use_exponential_sigmas: boolean;
  /** Not implemented; only false. */
  use_beta_sigmas: boolean;
  /** σ evenly spaced in log σ (Lu et al.'s DPM-Solver schedule). @default false */
  use_lu_lambdas: boolean;
  /** Not implemented; only false. */
  use_flow_sigmas: boolean;
  /** Read by flow sigmas only. @default 1 */
  flow_shift: number;
  /** Not implemented; only false. */
  use_dynamic_shifting: boolean;
  /** Read by dynamic shifting only. @default "exponential" */
  time_shift_type: string;
}

const DPM_DEFAULTS: Readonly<DPMSolverMultistepSchedulerConfig> = {
  ...DIFFUSERS_BETA_DEFAULTS,
  solver_order: 2,
  prediction_type: "epsilon",
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  sample_max_value: 1.0,
  algorithm_type: "dpmsolver++",
  solver_type: "midpoint",
  lower_order_final: true,
  euler_at_final: false,
  use_karras_sigmas: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  use_lu_lambdas: false,
  use_flow_sigmas: false,
  flow_shift: 1.0,
  final_sigmas_type: "zero",
  lambda_min_clipped: -Infinity,
  variance_type: null,
  timestep_spacing: "linspace",
  steps_offset: 0,
  rescale_betas_zero_snr: false,
  use_dynamic_shifting: false,
  time_shift_type: "exponential",
};

/**
 * diffusers' `DPMSolverMultistepScheduler` with `algorithm_type="dpmsolver++"` (arXiv 2211.01095), known in UIs as
 * "DPM++ 2M": a second-order multistep solver on the predicted x_0, first order on its first step and, with the
 * default `final_sigmas_type: "zero"`, on its last. Deterministic: it never draws noise.
 *
 * @example
 * const scheduler = new DPMSolverMultistepScheduler(SD15_SCHEDULER_CONFIG);
 * scheduler.setTimesteps(20); // diffusers' default "linspace" spacing: 999, 949, …, 50
 */
export class DPMSolverMultistepScheduler implements Scheduler {
  readonly config: Readonly<DPMSolverMultistepSchedulerConfig>;
  readonly alphasCumprod: Float32Array;
  readonly initNoiseSigma = 1;
  readonly order = 1;
  readonly #trainSigmas: Float32Array;
  readonly #trainLambdas: Float32Array;
  #sigmas = new Float32Array(0);
  #timesteps: number[];
  #numInferenceSteps: number | null = null;
  /** The last `solver_order` data predictions, oldest first. */
  #modelOutputs: (Float32Array | null)[] = [];
  #lowerOrderNums = 0;
  readonly #index = new StepIndex("last");

  constructor(config: Partial<DPMSolverMultistepSchedulerConfig> | SchedulerConfigFile = {}) {
    const resolved = resolveConfig(DPM_DEFAULTS, config);
    // diffusers' own aliases, kept for configs saved by DEIS/UniPC schedulers
    if (resolved.algorithm_type === "deis") resolved.algorithm_type = "dpmsolver++";
    if (["logrho", "bh1", "bh2"].includes(resolved.solver_type)) resolved.solver_type = "midpoint";
    checkDpmKeys(resolved);
    this.config = resolved;
    this.alphasCumprod = computeNoiseSchedule(resolved).alphasCumprod;
    if (resolved.rescale_betas_zero_snr) this.alphasCumprod[this.alphasCumprod.length - 1] = 2 ** -24;
    this.#trainSigmas = sigmasFromAlphasCumprod(this.alphasCumprod);
    // λ_t = log α_t − log σ_t with α_t = √ᾱ_t, σ_t = √(1 − ᾱ_t)
    this.#trainLambdas = this.alphasCumprod.map((a) => f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))));
    this.#timesteps = Array.from({ length: resolved.num_train_timesteps }, (_, i) => resolved.num_train_timesteps - 1 - i);
  }

  get timesteps(): number[] {
    return this.#timesteps;
  }

  /** The σ of each timestep, then the final σ (float32, as diffusers stores them). */
  get sigmas(): Float32Array {
    return this.#sigmas;
  }

  setTimesteps(numInferenceSteps: number): void {
    const trainSteps = this.config.num_train_timesteps;
    checkInferenceSteps(numInferenceSteps, trainSteps);
    // Clip the top of the schedule where λ(t) < lambda_min_clipped (matters for the cosine schedule).
    const clipValue = f32(this.config.lambda_min_clipped);
    const clipped = this.#trainLambdas.reduce((count, lambda) => count + (lambda < clipValue ? 1 : 0), 0);
    const lastTimestep = trainSteps - clipped;
    let timesteps: number[];
    switch (this.config.timestep_spacing) {
      case "linspace":
        timesteps = linspace(0, lastTimestep - 1, numInferenceSteps + 1).map(roundHalfEven).reverse().slice(0, -1);
        break;
      case "leading": {
        const ratio = Math.floor(lastTimestep / (numInferenceSteps + 1));
        timesteps = Array.from({ length: numInferenceSteps }, (_, i) => (numInferenceSteps - i) * ratio + this.config.steps_offset);
        break;
      }
      case "trailing":
        timesteps = arange(lastTimestep, 0, -trainSteps / numInferenceSteps).map((t) => roundHalfEven(t) - 1);
        break;
    }
    let sigmas = timesteps.map((t) => this.#trainSigmas[t]!);
    if (this.config.use_karras_sigmas || this.config.use_lu_lambdas) {
      // σ from the whole training schedule respaced (Karras wins over Lu, as in diffusers), each mapped back to a
      // timestep (rounded, except for the cosine schedule)
      const lowest = this.#trainSigmas[0]!;
      const highest = this.#trainSigmas[this.#trainSigmas.length - 1]!;
      const logSigmas = this.#trainSigmas.map((sigma) => Math.log(sigma));
      sigmas = this.config.use_karras_sigmas
        ? karrasSigmas(lowest, highest, numInferenceSteps)
        : luSigmas(logSigmas[0]!, logSigmas[logSigmas.length - 1]!, numInferenceSteps);
      const toInteger = this.config.beta_schedule === "squaredcos_cap_v2" ? Math.trunc : roundHalfEven;
      timesteps = sigmas.map((sigma) => toInteger(sigmaToTimestep(sigma, logSigmas)));
    }
    const finalSigma = this.config.final_sigmas_type === "zero" ? 0 : this.#trainSigmas[0]!;
    this.#timesteps = timesteps;
    this.#sigmas = Float32Array.from([...sigmas, finalSigma]);
    this.#numInferenceSteps = timesteps.length;
    this.#modelOutputs = new Array<Float32Array | null>(this.config.solver_order).fill(null);
    this.#lowerOrderNums = 0;
    this.#index.reset();
  }

  setBeginIndex(beginIndex: number): void {
    this.#index.setBegin(beginIndex, this.#timesteps.length);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    if (this.#numInferenceSteps === null) throw new Error("DPMSolverMultistepScheduler.step: call setTimesteps first");
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const index = this.#index.resolve(timestep, this.#timesteps);
    const count = this.#timesteps.length;
    if (index >= count) throw new RangeError(`DPMSolverMultistepScheduler.step: no step after index ${index - 1}; call setTimesteps again`);
    const { euler_at_final, lower_order_final, final_sigmas_type, solver_order } = this.config;
    const lowerOrderFinal = index === count - 1 && (euler_at_final || (lower_order_final && count < 15) || final_sigmas_type === "zero");

    const x0 = this.#dataPrediction(modelOutput, sample, this.#sigmaAt(index));
    this.#modelOutputs.shift();
    this.#modelOutputs.push(x0);

    const previous = this.#modelOutputs[this.#modelOutputs.length - 2];
    const prev =
      solver_order === 1 || this.#lowerOrderNums < 1 || lowerOrderFinal || !previous
        ? this.#firstOrderUpdate(x0, sample, index)
        : this.#secondOrderUpdate(x0, previous, sample, index);
    if (this.#lowerOrderNums < solver_order) this.#lowerOrderNums += 1;
    this.#index.advance();
    return prev;
  }

  /** α_t·x_0 + σ_t·ε at the timestep's σ (or at the begin index's σ once one is set, as diffusers does). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    if (this.#numInferenceSteps === null) throw new Error("DPMSolverMultistepScheduler.addNoise: call setTimesteps first");
    assertSameLength(original, noise, "original and noise");
    const { alpha, sigma } = alphaSigmaFromSigma(this.#sigmaAt(this.#index.forAddNoise(timestep, this.#timesteps)));
    return original.map((x, i) => f32(alpha * x) + f32(sigma * noise[i]!));
  }

  #sigmaAt(index: number): number {
    const sigma = this.#sigmas[index];
    if (sigma === undefined) throw new RangeError(`DPMSolverMultistepScheduler: no σ at index ${index}; call setTimesteps again`);
    return sigma;
  }

  /** diffusers' `convert_model_output` for dpmsolver++: the model's output turned into a prediction of x_0. */
  #dataPrediction(modelOutput: Float32Array, sample: Float32Array, sigmaValue: number): Float32Array {
    const { alpha, sigma } = alphaSigmaFromSigma(sigmaValue);
    switch (this.config.prediction_type) {
      case "epsilon":
        return sample.map((x, i) => f32(x - f32(sigma * modelOutput[i]!)) / alpha);
      case "sample":
        return Float32Array.from(modelOutput);
      case "v_prediction":
        return sample.map((x, i) => f32(alpha * x) - f32(sigma * modelOutput[i]!));
    }
  }

  /** One DPM-Solver++ first-order step (DDIM in λ): x_t = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x_0. */
  #firstOrderUpdate(x0: Float32Array, sample: Float32Array, index: number): Float32Array {
    const t = lambdaAt(this.#sigmaAt(index + 1));
    const s = lambdaAt(this.#sigmaAt(index));
    const h = f32(t.lambda - s.lambda);
    const sampleScale = f32(t.sigma / s.sigma);
    const x0Scale = f32(t.alpha * f32(f32(Math.exp(-h)) - 1));
    return sample.map((x, i) => f32(sampleScale * x) - f32(x0Scale * x0[i]!));
  }

  /** One multistep second-order step from the current and previous x_0 predictions (midpoint or Heun form). */
  #secondOrderUpdate(m0: Float32Array, m1: Float32Array, sample: Float32Array, index: number): Float32Array {
    const t = lambdaAt(this.#sigmaAt(index + 1));
    const s0 = lambdaAt(this.#sigmaAt(index));
    const s1 = lambdaAt(this.#sigmaAt(index - 1));
    const h = f32(t.lambda - s0.lambda);
    const h0 = f32(s0.lambda - s1.lambda);
    const inverseR0 = f32(1 / f32(h0 / h));
    const sampleScale = f32(t.sigma / s0.sigma);
    const expMinusOne = f32(f32(Math.exp(-h)) - 1);
    const d0Scale = f32(t.alpha * expMinusOne);
    const midpoint = this.config.solver_type === "midpoint";
    // midpoint subtracts ½·α_t(e^{−h} − 1)·D1; Heun adds α_t((e^{−h} − 1)/h + 1)·D1
    const d1Scale = midpoint ? f32(0.5 * d0Scale) : f32(t.alpha * f32(f32(expMinusOne / h) + 1));
    return sample.map((x, i) => {
      const d1 = f32(inverseR0 * f32(m0[i]! - m1[i]!));
      const base = f32(f32(sampleScale * x) - f32(d0Scale * m0[i]!));
      return midpoint ? base - f32(d1Scale * d1) : base + f32(d1Scale * d1);
    });
  }
}

/** α, σ and λ = log α − log σ for a σ of the schedule (λ = +∞ at σ = 0, which makes e^{−h} = 0). */
function lambdaAt(sigmaValue: number): { alpha: number; sigma: number; lambda: number } {
  const { alpha, sigma } = alphaSigmaFromSigma(sigmaValue);
  return { alpha, sigma, lambda: f32(f32(Math.log(alpha)) - f32(Math.log(sigma))) };
}

function checkDpmKeys(config: DPMSolverMultistepSchedulerConfig): void {
  if (config.solver_order !== 1 && config.solver_order !== 2) {
    throw new SchedulerConfigError(`Expected \`solver_order\` to be 1 or 2, got ${describe(config.solver_order)}`);
  }
  checkUnsupported("algorithm_type", config.algorithm_type, "dpmsolver++");
  checkOneOf("solver_type", config.solver_type, ["midpoint", "heun"]);
  checkOneOf("final_sigmas_type", config.final_sigmas_type, ["zero", "sigma_min"]);
  if (typeof config.lambda_min_clipped !== "number" || Number.isNaN(config.lambda_min_clipped)) {
    throw new SchedulerConfigError(`Expected \`lambda_min_clipped\` to be a number, got ${describe(config.lambda_min_clipped)}`);
  }
  checkUnsupported("variance_type", config.variance_type, null);
  const unsupported = ["thresholding", "use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas", "use_dynamic_shifting"] as const;
  for (const key of unsupported) {
    checkUnsupported(key, config[key], false);
  }
}
