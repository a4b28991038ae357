import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randn } from "../../src/inference/random/randn.ts";
import { DPMSolverMultistepScheduler } from "../../src/inference/schedulers/dpm-solver-multistep-scheduler.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";
import { absSumAndMean, dummyNoiseDeter, dummySampleDeter, runDummyLoop } from "./scheduler-fixtures.ts";

/** diffusers' DPMSolverMultistepSchedulerTest.get_scheduler_config plus the scheduler's own defaults. */
const DIFFUSERS_TEST_CONFIG = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  solver_order: 2,
  prediction_type: "epsilon",
  thresholding: false,
  algorithm_type: "dpmsolver++",
  solver_type: "midpoint",
  lower_order_final: false,
  euler_at_final: false,
  lambda_min_clipped: -Infinity,
  variance_type: null,
  final_sigmas_type: "sigma_min",
} as const;

/** SD 1.5's file with "leading" spacing set explicitly (diffusers' DPM-Solver default is "linspace"). */
const SD15_LEADING = { ...SD15_SCHEDULER_CONFIG, timestep_spacing: "leading" } as const;

/** ᾱ of SD 1.5's scaled-linear schedule in double precision, independent of the code under test. */
function sd15AlphaCumprod(t: number): number {
  let product = 1;
  for (let i = 0; i <= t; i++) product *= 1 - (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * i) / 999) ** 2;
  return product;
}

/** The ε a perfect model would predict for x = α·x0 + σ·ε at the scheduler's current σ (α = 1/√(σ²+1)). */
function oracleLoop(scheduler: DPMSolverMultistepScheduler, timesteps: number[], x0: Float32Array, eps: Float32Array): Float32Array {
  let x = scheduler.addNoise(x0, eps, timesteps[0]!);
  for (const t of timesteps) {
    const sigma = scheduler.sigmas[scheduler.timesteps.indexOf(t)]!;
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const predicted = x.map((value, i) => (value - alpha * x0[i]!) / (sigma * alpha));
    x = scheduler.step(predicted, t, x);
  }
  return x;
}

describe("DPMSolverMultistepScheduler (DPM++ 2M) with SD 1.5's config", () => {
  it("20 leading steps: step ratio 1000 // 21 = 47 plus steps_offset 1 → 941, 894, …, 48; σ then a final 0", () => {
    const scheduler = new DPMSolverMultistepScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    const expected = Array.from({ length: 20 }, (_, i) => (20 - i) * 47 + 1);
    assert.deepEqual(scheduler.timesteps, expected);
    assert.equal(scheduler.sigmas.length, 21);
    expected.forEach((t, i) => {
      const a = sd15AlphaCumprod(t);
      const sigma = Math.sqrt((1 - a) / a);
      assert.ok(Math.abs(scheduler.sigmas[i]! - sigma) / sigma < 1e-5, `σ at ${t}: ${scheduler.sigmas[i]} vs ${sigma}`);
    });
    assert.equal(scheduler.sigmas[20], 0);
    assert.equal(scheduler.initNoiseSigma, 1);
  });

  it("20 linspace steps (diffusers' own default spacing) → 999, 949, …, 549, 500, 450, …, 50", () => {
    const scheduler = new DPMSolverMultistepScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(20);
    assert.deepEqual(scheduler.timesteps, [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50]);
  });

  it("with a perfect ε model the whole loop lands on x0 (first order, then 2M, then first order onto σ = 0)", () => {
    const scheduler = new DPMSolverMultistepScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    const x0 = randn([1, 4, 8, 8], 1);
    const eps = randn([1, 4, 8, 8], 2);
    const result = oracleLoop(scheduler, scheduler.timesteps, x0, eps);
    result.forEach((value, i) => assert.ok(Math.abs(value - x0[i]!) < 1e-4, `index ${i}: ${value} vs ${x0[i]}`));
  });

  it("the last step with final σ 0 returns the model's x0 prediction exactly as diffusers computes it", () => {
    const scheduler = new DPMSolverMultistepScheduler(SD15_LEADING);
    scheduler.setTimesteps(3);
    const sample = randn([32], 3);
    const output = randn([32], 4);
    for (const t of scheduler.timesteps.slice(0, 2)) scheduler.step(output, t, sample);
    const sigma = scheduler.sigmas[2]!;
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const last = scheduler.step(output, scheduler.timesteps[2]!, sample);
    last.forEach((value, i) => assert.ok(Math.abs(value - (sample[i]! - sigma * alpha * output[i]!) / alpha) < 1e-5));
  });

  it("img2img: after setBeginIndex, addNoise and the first step use the begin index's σ", () => {
    const scheduler = new DPMSolverMultistepScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    scheduler.setBeginIndex(5);
    const x0 = randn([64], 5);
    const eps = randn([64], 6);
    const sigma = scheduler.sigmas[5]!;
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const noised = scheduler.addNoise(x0, eps, 12345); // diffusers ignores the timestep once a begin index is set
    noised.forEach((value, i) => assert.ok(Math.abs(value - (alpha * x0[i]! + sigma * alpha * eps[i]!)) < 1e-5));
    const result = oracleLoop(scheduler, scheduler.timesteps.slice(5), x0, eps);
    result.forEach((value, i) => assert.ok(Math.abs(value - x0[i]!) < 1e-4));
  });
});

describe("DPMSolverMultistepScheduler against diffusers' tests/schedulers/test_scheduler_dpm_multi.py", () => {
  const fullLoop = (config: object = {}) => {
    const scheduler = new DPMSolverMultistepScheduler({ ...DIFFUSERS_TEST_CONFIG, ...config });
    scheduler.setTimesteps(10);
    return absSumAndMean(runDummyLoop(scheduler, scheduler.timesteps, dummySampleDeter()));
  };

  it("test_full_loop_no_noise: mean 0.3301", () => {
    const { mean } = fullLoop();
    assert.ok(Math.abs(mean - 0.3301) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_v_prediction: mean 0.2251", () => {
    const { mean } = fullLoop({ prediction_type: "v_prediction" });
    assert.ok(Math.abs(mean - 0.2251) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_karras_and_v_prediction: mean 0.2096", () => {
    const { mean } = fullLoop({ prediction_type: "v_prediction", use_karras_sigmas: true });
    assert.ok(Math.abs(mean - 0.2096) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_lu_and_v_prediction: mean 0.1554", () => {
    const { mean } = fullLoop({ prediction_type: "v_prediction", use_lu_lambdas: true });
    assert.ok(Math.abs(mean - 0.1554) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_noise (t_start 5): 318.4111 / 0.4146", () => {
    const scheduler = new DPMSolverMultistepScheduler(DIFFUSERS_TEST_CONFIG);
    scheduler.setTimesteps(10);
    const timesteps = scheduler.timesteps.slice(5 * scheduler.order);
    const { sum, mean } = absSumAndMean(runDummyLoop(scheduler, timesteps, dummySampleDeter(), { noise: dummyNoiseDeter() }));
    assert.ok(Math.abs(sum - 318.4111) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.4146) < 1e-3, `mean ${mean}`);
  });

  it("test_duplicated_timesteps: as many timesteps as training steps", () => {
    const scheduler = new DPMSolverMultistepScheduler(DIFFUSERS_TEST_CONFIG);
    scheduler.setTimesteps(1000);
    assert.equal(scheduler.timesteps.length, 1000);
  });

  it("solver_order 1 and the Heun form run without NaNs and differ from the default", () => {
    const base = fullLoop();
    for (const config of [{ solver_order: 1 }, { solver_type: "heun" }]) {
      const { mean } = fullLoop(config);
      assert.ok(Number.isFinite(mean) && mean !== base.mean, JSON.stringify(config));
    }
  });
});

describe("DPMSolverMultistepScheduler configuration", () => {
  it("refuses what it does not implement, naming the key", () => {
    for (const config of [{ algorithm_type: "sde-dpmsolver++" }, { solver_order: 3 }, { use_exponential_sigmas: true }, { use_flow_sigmas: true }, { variance_type: "learned_range" }, { final_sigmas_type: "max" }]) {
      assert.throws(() => new DPMSolverMultistepScheduler(config as never), (e: unknown) => e instanceof SchedulerConfigError && e.message.includes(Object.keys(config)[0]!));
    }
  });

  it("maps diffusers' aliases (algorithm_type deis, solver_type bh2) like diffusers does", () => {
    const scheduler = new DPMSolverMultistepScheduler({ ...SD15_SCHEDULER_CONFIG, algorithm_type: "deis", solver_type: "bh2" });
    assert.equal(scheduler.config.algorithm_type, "dpmsolver++");
    assert.equal(scheduler.config.solver_type, "midpoint");
  });

  it("trailing spacing: numpy's arange(1000, 0, −1000/n).round() − 1 (7 steps → 999, 856, 713, 570, 428, 285, 142)", () => {
    const scheduler = new DPMSolverMultistepScheduler({ ...SD15_SCHEDULER_CONFIG, timestep_spacing: "trailing" });
    scheduler.setTimesteps(7);
    assert.deepEqual(scheduler.timesteps, [999, 856, 713, 570, 428, 285, 142]);
    scheduler.setTimesteps(3);
    assert.deepEqual(scheduler.timesteps, [999, 666, 332]);
  });

  it("lambda_min_clipped cuts the noisiest timesteps off the schedule", () => {
    const scheduler = new DPMSolverMultistepScheduler({ ...SD15_SCHEDULER_CONFIG, lambda_min_clipped: -2 });
    scheduler.setTimesteps(10);
    assert.ok(scheduler.timesteps[0]! < 999, `first timestep ${scheduler.timesteps[0]}`);
  });
});
