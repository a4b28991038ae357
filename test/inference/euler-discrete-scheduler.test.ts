import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randn } from "../../src/inference/random/randn.ts";
import { TorchGenerator } from "../../src/inference/random/torch-generator.ts";
import { EulerDiscreteScheduler } from "../../src/inference/schedulers/euler-discrete-scheduler.ts";
import { getImg2ImgTimesteps } from "../../src/inference/schedulers/img2img-timesteps.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";
import { absSumAndMean, dummyNoiseDeter, dummySampleDeter, runDummyLoop } from "./scheduler-fixtures.ts";

/** diffusers' EulerDiscreteSchedulerTest.get_scheduler_config, as is: the rest are EulerDiscreteScheduler's defaults. */
const DIFFUSERS_TEST_CONFIG = { num_train_timesteps: 1100, beta_start: 0.0001, beta_end: 0.02, beta_schedule: "linear" } as const;

/** An SD-Turbo-style config: SD's betas, Euler with "trailing" spacing (what makes 1–4 steps work). */
const TURBO_CONFIG = { ...SD15_SCHEDULER_CONFIG, _class_name: "EulerDiscreteScheduler", timestep_spacing: "trailing", interpolation_type: "linear" } as const;

/** σ_t = √((1 − ᾱ_t)/ᾱ_t) of SD 1.5's scaled-linear schedule, in double precision. */
function sd15Sigma(t: number): number {
  let product = 1;
  for (let i = 0; i <= t; i++) product *= 1 - (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * i) / 999) ** 2;
  return Math.sqrt((1 - product) / product);
}

const close = (a: number, b: number, relative: number) => Math.abs(a - b) <= relative * Math.abs(b);

describe("EulerDiscreteScheduler against diffusers' tests/schedulers/test_scheduler_euler.py", () => {
  // torch.manual_seed(0) is passed to step(), which draws nothing without churn; the loop is deterministic.
  const fullLoop = (config: object, tStart = 0, noise?: Float32Array) => {
    const scheduler = new EulerDiscreteScheduler({ ...DIFFUSERS_TEST_CONFIG, ...config });
    scheduler.setTimesteps(10);
    const sample = dummySampleDeter().map((x) => x * scheduler.initNoiseSigma);
    const timesteps = scheduler.timesteps.slice(tStart * scheduler.order);
    return absSumAndMean(runDummyLoop(scheduler, timesteps, sample, { generator: new TorchGenerator(0), noise }));
  };

  it("test_full_loop_no_noise: 10.0807 / 0.0131", () => {
    const { sum, mean } = fullLoop({});
    assert.ok(Math.abs(sum - 10.0807) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.0131) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_v_prediction: 0.0002 / 2.2676e-06", () => {
    const { sum, mean } = fullLoop({ prediction_type: "v_prediction" });
    assert.ok(Math.abs(sum - 0.0002) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 2.2676e-6) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_device_karras_sigmas: 124.52299 / 0.16213933", () => {
    const { sum, mean } = fullLoop({ use_karras_sigmas: true });
    assert.ok(Math.abs(sum - 124.52299499511719) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.16213932633399963) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_noise (t_start 8): 57062.9297 / 74.3007", () => {
    const { sum, mean } = fullLoop({}, 8, dummyNoiseDeter());
    assert.ok(Math.abs(sum - 57062.9297) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 74.3007) < 1e-3, `mean ${mean}`);
  });
});

describe("EulerDiscreteScheduler with SD-Turbo's trailing spacing", () => {
  const expected: [number, number[]][] = [
    [1, [999]],
    [2, [999, 499]],
    [3, [999, 666, 332]],
    [4, [999, 749, 499, 249]],
  ];
  for (const [steps, timesteps] of expected) {
    it(`${steps} step(s): timesteps ${timesteps.join(", ")}, σ of each then 0, initNoiseSigma σ_max`, () => {
      const scheduler = new EulerDiscreteScheduler(TURBO_CONFIG);
      scheduler.setTimesteps(steps);
      assert.deepEqual(scheduler.timesteps, timesteps);
      timesteps.forEach((t, i) => assert.ok(close(scheduler.sigmas[i]!, sd15Sigma(t), 1e-5), `σ at ${t}`));
      assert.equal(scheduler.sigmas.length, steps + 1);
      assert.equal(scheduler.sigmas[steps], 0);
      assert.ok(Math.abs(scheduler.initNoiseSigma - 14.6146) < 1e-3, `${scheduler.initNoiseSigma}`);
    });
  }

  it("1 step with the exact ε lands on x0 (σ → 0), scaling the input by 1/√(σ² + 1)", () => {
    const scheduler = new EulerDiscreteScheduler(TURBO_CONFIG);
    scheduler.setTimesteps(1);
    const x0 = randn([32], 1);
    const eps = randn([32], 2);
    const x = scheduler.addNoise(x0, eps, 999);
    const scaled = scheduler.scaleModelInput(x, 999);
    const sigma = scheduler.sigmas[0]!;
    scaled.forEach((v, i) => assert.ok(Math.abs(v - x[i]! / Math.sqrt(sigma * sigma + 1)) < 1e-5));
    const out = scheduler.step(eps, 999, x);
    out.forEach((v, i) => assert.ok(Math.abs(v - x0[i]!) < 1e-4, `${v} vs ${x0[i]}`));
  });

  it("img2img (diffusers' get_timesteps): 2 steps at strength 0.5 run timestep 499 from σ(499)", () => {
    const scheduler = new EulerDiscreteScheduler(TURBO_CONFIG);
    const { timesteps, startIndex } = getImg2ImgTimesteps(scheduler, 2, 0.5);
    assert.deepEqual(timesteps, [499]);
    assert.equal(startIndex, 1);
    const x0 = new Float32Array(4);
    const eps = new Float32Array(4).fill(1);
    assert.equal(scheduler.addNoise(x0, eps, 499)[0], scheduler.sigmas[1]);
    assert.ok(close(scheduler.sigmas[1]!, sd15Sigma(499), 1e-5));
    const scaled = scheduler.scaleModelInput(eps, 499);
    assert.ok(Math.abs(scaled[0]! - 1 / Math.sqrt(scheduler.sigmas[1]! ** 2 + 1)) < 1e-6);
  });
});

describe("EulerDiscreteScheduler configuration", () => {
  it("SD 1.5's file as is gives Euler's own linspace spacing (fractional timesteps, σ interpolated)", () => {
    const scheduler = new EulerDiscreteScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(20);
    assert.equal(scheduler.timesteps[0], 999);
    assert.equal(scheduler.timesteps[1], Math.fround(999 - 999 / 19));
    const t = scheduler.timesteps[1]!;
    const low = Math.floor(t);
    const expected = sd15Sigma(low) + (sd15Sigma(low + 1) - sd15Sigma(low)) * (t - low);
    assert.ok(close(scheduler.sigmas[1]!, expected, 1e-5));
  });

  it("final_sigmas_type sigma_min ends on σ of timestep 0; log_linear spaces σ evenly in log σ", () => {
    const sigmaMin = new EulerDiscreteScheduler({ ...TURBO_CONFIG, final_sigmas_type: "sigma_min" });
    sigmaMin.setTimesteps(4);
    // (σ at t = 0 is where float32 betas differ most from the double-precision reference)
    assert.ok(close(sigmaMin.sigmas[4]!, sd15Sigma(0), 1e-4));
    const logLinear = new EulerDiscreteScheduler({ ...SD15_SCHEDULER_CONFIG, interpolation_type: "log_linear" });
    logLinear.setTimesteps(4);
    // diffusers' log_linear makes numInferenceSteps + 1 σ from σ_max to σ_min, then appends the final σ
    assert.equal(logLinear.sigmas.length, 6);
    assert.ok(close(logLinear.sigmas[0]!, sd15Sigma(999), 1e-5));
    assert.ok(close(logLinear.sigmas[4]!, sd15Sigma(0), 1e-4));
    const ratios = [0, 1, 2].map((i) => Math.log(logLinear.sigmas[i]!) - Math.log(logLinear.sigmas[i + 1]!));
    ratios.forEach((r) => assert.ok(Math.abs(r - ratios[0]!) < 1e-4));
  });

  it("timestep_type continuous with v_prediction feeds 0.25·ln σ as the timestep", () => {
    const scheduler = new EulerDiscreteScheduler({ ...SD15_SCHEDULER_CONFIG, prediction_type: "v_prediction", timestep_type: "continuous" });
    scheduler.setTimesteps(5);
    scheduler.timesteps.forEach((t, i) => assert.ok(Math.abs(t - 0.25 * Math.log(scheduler.sigmas[i]!)) < 1e-6));
  });

  it("Karras σ run from σ_max to σ_min with ρ = 7, and sigma_min/sigma_max override the ends", () => {
    const scheduler = new EulerDiscreteScheduler({ ...SD15_SCHEDULER_CONFIG, use_karras_sigmas: true, sigma_min: 0.1, sigma_max: 10 });
    scheduler.setTimesteps(5);
    assert.ok(close(scheduler.sigmas[0]!, 10, 1e-6));
    assert.ok(close(scheduler.sigmas[4]!, 0.1, 1e-6));
    const middle = (10 ** (1 / 7) + 0.5 * (0.1 ** (1 / 7) - 10 ** (1 / 7))) ** 7;
    assert.ok(close(scheduler.sigmas[2]!, middle, 1e-6));
    // each timestep is where the training σ (interpolated in log σ) equals that σ
    for (let i = 1; i < scheduler.timesteps.length; i++) assert.ok(scheduler.timesteps[i]! < scheduler.timesteps[i - 1]!);
  });

  it("refuses what it does not implement or a bad value, naming the key", () => {
    for (const [key, value] of [["use_exponential_sigmas", true], ["use_beta_sigmas", true], ["interpolation_type", "cubic"], ["timestep_type", "x"], ["sigma_min", -1]] as const) {
      assert.throws(() => new EulerDiscreteScheduler({ [key]: value }), (e: unknown) => e instanceof SchedulerConfigError && e.message.includes(key), key);
    }
    assert.throws(() => new EulerDiscreteScheduler({ use_karras_sigmas: "yes" }), /`use_karras_sigmas` to be true or false/);
  });

  it("steps past the schedule, or from an unknown timestep, are refused", () => {
    const scheduler = new EulerDiscreteScheduler(TURBO_CONFIG);
    scheduler.setTimesteps(1);
    const x = new Float32Array(4);
    assert.throws(() => scheduler.scaleModelInput(x, 500), /not in this scheduler's schedule/);
    scheduler.step(x, 999, x);
    assert.throws(() => scheduler.step(x, 999, x), /call setTimesteps again/);
  });
});
