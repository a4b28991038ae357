import { addNoiseAtTimestep, alphaCumprodAt } from "./alpha-noise.ts";
import { computeNoiseSchedule } from "./betas.ts";
import { checkInferenceSteps } from "./inference-steps.ts";
import { arange, linspace, roundHalfEven } from "./numpy-math.ts";
import { checkOneOf, resolveConfig } from "./resolve-config.ts";
import type { Scheduler } from "./scheduler.ts";
import { SchedulerConfigError } from "./scheduler-config-error.ts";
import { DIFFUSERS_BETA_DEFAULTS, type SchedulerConfig, type SchedulerConfigFile } from "./scheduler-config.ts";
import { assertSameLength } from "./step-noise.ts";

const f32 = Math.fround;

/** PNDM's own keys on top of the shared ones. */
export interface PNDMSchedulerConfig extends SchedulerConfig {
  /**
   * PLMS only (SD's configs): skip the 12 Runge-Kutta model evaluations that start F-PNDM. diffusers' class
   * default is false, so a config without the key runs PRK first. @default false
   */
  skip_prk_steps: boolean;
  /** ᾱ past the last step: 1, or ᾱ_0 when false. @default false */
  set_alpha_to_one: boolean;
}

/** diffusers' `PNDMScheduler.__init__` defaults, which keys missing from a model's config take. */
const PNDM_DEFAULTS: Readonly<PNDMSchedulerConfig> = {
  ...DIFFUSERS_BETA_DEFAULTS,
  skip_prk_steps: false,
  set_alpha_to_one: false,
  prediction_type: "epsilon",
  timestep_spacing: "leading",
  steps_offset: 0,
};

/** F-PNDM's order: PRK runs this many 4-evaluation Runge-Kutta steps, PLMS combines up to this many past ε. */
const PNDM_ORDER = 4;

/**
 * diffusers' `PNDMScheduler` (arXiv 2202.09778), the scheduler SD 1.x folders name. With `skip_prk_steps` (SD 1.5)
 * it is PLMS: a linear multistep method over the last 4 model outputs, started by a second-order step that
 * evaluates the second timestep twice, so `steps` inference steps run `steps + 1` model evaluations (timesteps
 * 951, 901, 901, 851, …, 1 for 20 steps). Without it, F-PNDM: 12 Runge-Kutta evaluations, then PLMS.
 *
 * The scheduler is stateful (a step counter, the past ε and the sample a step restarts from), reset by
 * `setTimesteps`. diffusers' PNDM has no `set_begin_index`: img2img slices its timesteps and the counter starts
 * at 0 on whatever timestep comes first, which we keep. Arithmetic follows diffusers' float32 torch operations.
 *
 * @example
 * const scheduler = new PNDMScheduler(SD15_SCHEDULER_CONFIG);
 * scheduler.setTimesteps(5); // 801, 601, 601, 401, 201, 1
 */
export class PNDMScheduler implements Scheduler {
  readonly config: Readonly<PNDMSchedulerConfig>;
  readonly alphasCumprod: Float32Array;
  /** ᾱ used past the last step: 1, or ᾱ_0 when `set_alpha_to_one` is false (SD 1.5). */
  readonly finalAlphaCumprod: number;
  readonly initNoiseSigma = 1;
  readonly order = 1;
  #timesteps: number[] = [];
  #prkTimesteps: number[] = [];
  #numInferenceSteps: number | null = null;
  /** Steps taken since `setTimesteps`; decides PRK vs PLMS and PLMS's special first two steps. */
  #counter = 0;
  /** Past model outputs (diffusers' `ets`), at most 4 kept by PLMS. */
  #ets: Float32Array[] = [];
  /** The sample the current Runge-Kutta step (or PLMS's second step) restarts from. */
  #curSample: Float32Array | null = null;
  /** PRK's running weighted sum of this Runge-Kutta step's outputs (diffusers' `cur_model_output`, 0 when null). */
  #curModelOutput: Float32Array | null = null;

  constructor(config: Partial<PNDMSchedulerConfig> | SchedulerConfigFile = {}) {
    this.config = resolveConfig(PNDM_DEFAULTS, config);
    // diffusers accepts "sample" at construction and fails at the first step; refuse it before any work.
    checkOneOf("prediction_type", this.config.prediction_type, ["epsilon", "v_prediction"]);
    this.alphasCumprod = computeNoiseSchedule(this.config).alphasCumprod;
    this.finalAlphaCumprod = this.config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  /** PRK timesteps (none with `skip_prk_steps`) then PLMS timesteps; empty until `setTimesteps`. */
  get timesteps(): number[] {
    return this.#timesteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    const trainSteps = this.config.num_train_timesteps;
    checkInferenceSteps(numInferenceSteps, trainSteps);
    const base = this.#ascendingTimesteps(numInferenceSteps);
    if (this.config.skip_prk_steps) {
      // PLMS: the second-to-last entry twice (its first visit is the warm-up's second evaluation), then reversed
      this.#prkTimesteps = [];
      this.#timesteps = [...base.slice(0, -1), ...base.slice(-2, -1), ...base.slice(-1)].reverse();
    } else {
      this.#prkTimesteps = prkTimesteps(base, Math.floor(Math.floor(trainSteps / numInferenceSteps) / 2));
      this.#timesteps = [...this.#prkTimesteps, ...base.slice(0, -3).reverse()];
    }
    this.#numInferenceSteps = numInferenceSteps;
    this.#ets = [];
    this.#counter = 0;
    this.#curModelOutput = null;
    this.#curSample = null;
  }

  /**
   * diffusers' PNDM has no `set_begin_index` (so its img2img pipeline never calls one): the counter and past ε
   * start fresh at the first timestep run. Kept for the common interface; only checks its argument.
   */
  setBeginIndex(beginIndex: number): void {
    if (!Number.isSafeInteger(beginIndex) || beginIndex < 0) throw new RangeError(`Expected \`beginIndex\` to be a non-negative integer, got \`${beginIndex}\``);
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  /** One PRK step while the counter is within the PRK timesteps, else one PLMS step. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    if (this.#numInferenceSteps === null) throw new Error("PNDMScheduler.step: call setTimesteps first");
    assertSameLength(modelOutput, sample, "modelOutput and sample");
    const output = modelOutput.slice(); // kept in the history; the caller may reuse its buffer
    const ratio = Math.floor(this.config.num_train_timesteps / this.#numInferenceSteps);
    const prev = this.#counter < this.#prkTimesteps.length && !this.config.skip_prk_steps
      ? this.#stepPrk(output, timestep, sample, ratio)
      : this.#stepPlms(output, timestep, sample, ratio);
    this.#counter += 1;
    return prev;
  }

  /** x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseAtTimestep(this.alphasCumprod, original, noise, timestep);
  }

  /** diffusers' `_timesteps`: the inference grid in ascending order, before PRK/PLMS arrange it. */
  #ascendingTimesteps(n: number): number[] {
    const trainSteps = this.config.num_train_timesteps;
    switch (this.config.timestep_spacing) {
      case "linspace":
        return linspace(0, trainSteps - 1, n).map(roundHalfEven);
      case "leading": {
        const ratio = Math.floor(trainSteps / n);
        return Array.from({ length: n }, (_, i) => i * ratio + this.config.steps_offset);
      }
      case "trailing":
        return arange(trainSteps, 0, -trainSteps / n).map((t) => roundHalfEven(t) - 1).reverse();
    }
  }

  /**
   * Runge-Kutta (RK4 in the noise space): each 4 evaluations restart from the sample at the step's start, at its
   * midpoint twice and its end, and the 4th moves by the weighted mean (1/6, 1/3, 1/3, 1/6) of all four.
   */
  #stepPrk(output: Float32Array, timestep: number, sample: Float32Array, ratio: number): Float32Array {
    const phase = this.#counter % 4;
    const prevTimestep = timestep - (phase % 2 === 1 ? 0 : Math.floor(ratio / 2));
    const stepStart = this.#prkTimesteps[this.#counter - phase]!;
    let used = output;
    if (phase === 0) {
      this.#curModelOutput = scaled(f32(1 / 6), output);
      this.#ets.push(output);
      this.#curSample = sample;
    } else if (phase < 3) {
      this.#curModelOutput = addScaled(this.#curModelOutput, f32(1 / 3), output);
    } else {
      used = addScaled(this.#curModelOutput, f32(1 / 6), output);
      this.#curModelOutput = null;
    }
    return this.#prevSample(this.#curSample ?? sample, stepStart, prevTimestep, used);
  }

  /**
   * Linear multistep (Adams-Bashforth on ε): 1, 2, 3 then 4 past outputs. The first step is Euler; the second
   * re-runs the first interval from its start with the mean of both outputs (a Heun step), and is not kept in
   * the history.
   */
  #stepPlms(output: Float32Array, timestep: number, sample: Float32Array, ratio: number): Float32Array {
    if (!this.config.skip_prk_steps && this.#ets.length < 3) {
      throw new Error("PNDMScheduler: PLMS runs only after the 12 PRK steps (or with skip_prk_steps)");
    }
    let from = timestep;
    let to = timestep - ratio;
    if (this.#counter !== 1) {
      this.#ets = [...this.#ets.slice(-3), output];
    } else {
      from = timestep + ratio;
      to = timestep;
    }
    const ets = this.#ets;
    const n = ets.length;
    let used: Float32Array;
    let start = sample;
    if (n === 1 && this.#counter === 0) {
      used = output;
      this.#curSample = sample;
    } else if (n === 1 && this.#counter === 1 && this.#curSample) {
      used = output.map((e, i) => f32(f32(e + ets[0]![i]!) / 2));
      start = this.#curSample;
      this.#curSample = null;
    } else if (n === 2) {
      const [e2, e1] = [ets[0]!, ets[1]!];
      used = e1.map((e, i) => f32(f32(f32(3 * e) - e2[i]!) / 2));
    } else if (n === 3) {
      const [e3, e2, e1] = [ets[0]!, ets[1]!, ets[2]!];
      used = e1.map((e, i) => f32(f32(f32(f32(23 * e) - f32(16 * e2[i]!)) + f32(5 * e3[i]!)) / 12));
    } else if (n === 4) {
      const [e4, e3, e2, e1] = [ets[0]!, ets[1]!, ets[2]!, ets[3]!];
      const weight = f32(1 / 24);
      used = e1.map((e, i) => f32(weight * f32(f32(f32(f32(55 * e) - f32(59 * e2[i]!)) + f32(37 * e3[i]!)) - f32(9 * e4[i]!))));
    } else {
      throw new Error(`PNDMScheduler: no PLMS rule for step ${this.#counter} with ${n} past outputs`);
    }
    return this.#prevSample(start, from, to, used);
  }

  /**
   * Formula (9) of the PNDM paper, x_t → x_{t−δ}: √(ᾱ_prev/ᾱ_t)·x − (ᾱ_prev − ᾱ_t)·ε / (ᾱ_t·√(1−ᾱ_prev) +
   * √(ᾱ_t·(1−ᾱ_t)·ᾱ_prev)), with ε from v for v-prediction and ᾱ past the schedule's end the final ᾱ.
   */
  #prevSample(sample: Float32Array, timestep: number, prevTimestep: number, output: Float32Array): Float32Array {
    const alphaProd = alphaCumprodAt(this.alphasCumprod, timestep);
    const alphaProdPrev = prevTimestep >= 0 ? alphaCumprodAt(this.alphasCumprod, prevTimestep) : this.finalAlphaCumprod;
    const betaProd = f32(1 - alphaProd);
    const betaProdPrev = f32(1 - alphaProdPrev);
    const vPrediction = this.config.prediction_type === "v_prediction";
    const sqrtAlpha = f32(Math.sqrt(alphaProd));
    const sqrtBeta = f32(Math.sqrt(betaProd));
    const sampleCoeff = f32(Math.sqrt(f32(alphaProdPrev / alphaProd)));
    const denominator = f32(f32(alphaProd * f32(Math.sqrt(betaProdPrev))) + f32(Math.sqrt(f32(f32(alphaProd * betaProd) * alphaProdPrev))));
    const alphaDiff = f32(alphaProdPrev - alphaProd);
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const eps = vPrediction ? f32(f32(sqrtAlpha * output[i]!) + f32(sqrtBeta * x)) : output[i]!;
      prev[i] = f32(f32(sampleCoeff * x) - f32(f32(alphaDiff * eps) / denominator));
    }
    return prev;
  }
}

/**
 * F-PNDM's Runge-Kutta timesteps from the ascending grid: each of the top 4 grid points, its midpoint (+half a
 * step) twice and the next point, newest first: 901, 851, 851, 801, 801, 751, … for 10 steps with offset 1.
 * @throws {SchedulerConfigError} below 4 inference steps, where diffusers' numpy arithmetic fails too.
 */
function prkTimesteps(base: number[], halfStep: number): number[] {
  if (base.length < PNDM_ORDER) {
    throw new SchedulerConfigError(`PNDM with Runge-Kutta steps (skip_prk_steps false) needs at least ${PNDM_ORDER} inference steps, got ${base.length}`);
  }
  const points = base.slice(-PNDM_ORDER).flatMap((t) => [t, t + halfStep]).slice(0, -1);
  return points.flatMap((t) => [t, t]).slice(1, -1).reverse();
}

/** `weight * x` in float32 (a Python float times a float32 tensor). */
function scaled(weight: number, x: Float32Array): Float32Array {
  return x.map((v) => f32(weight * v));
}

/** `sum + weight * x` in float32, a missing sum being diffusers' integer 0. */
function addScaled(sum: Float32Array | null, weight: number, x: Float32Array): Float32Array {
  return x.map((v, i) => f32((sum?.[i] ?? 0) + f32(weight * v)));
}
