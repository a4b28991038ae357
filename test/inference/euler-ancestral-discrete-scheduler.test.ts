import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randn } from "../../src/inference/random/randn.ts";
import { TorchGenerator } from "../../src/inference/random/torch-generator.ts";
import { EulerAncestralDiscreteScheduler } from "../../src/inference/schedulers/euler-ancestral-discrete-scheduler.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";
import { absSumAndMean, DUMMY_SHAPE, dummyModel, dummyNoiseDeter, dummySampleDeter, runDummyLoop } from "./scheduler-fixtures.ts";

/** diffusers' EulerAncestralDiscreteSchedulerTest.get_scheduler_config, as is: the rest are the scheduler's defaults. */
const DIFFUSERS_TEST_CONFIG = {
  num_train_timesteps: 1100,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
} as const;

/** SD 1.5's file with "leading" spacing set explicitly (diffusers' Euler a default is "linspace"). */
const SD15_LEADING = { ...SD15_SCHEDULER_CONFIG, timestep_spacing: "leading" } as const;

/** σ_t = √((1 − ᾱ_t)/ᾱ_t) of SD 1.5's scaled-linear schedule, in double precision. */
function sd15Sigma(t: number): number {
  let product = 1;
  for (let i = 0; i <= t; i++) product *= 1 - (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * i) / 999) ** 2;
  return Math.sqrt((1 - product) / product);
}

const close = (a: number, b: number, relative: number) => Math.abs(a - b) <= relative * Math.abs(b);

describe("EulerAncestralDiscreteScheduler (Euler a) with SD 1.5's betas", () => {
  it("20 leading steps 951 … 1, σ of each then 0, and initNoiseSigma √(σ_max² + 1)", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    const expected = Array.from({ length: 20 }, (_, i) => 951 - 50 * i);
    assert.deepEqual(scheduler.timesteps, expected);
    expected.forEach((t, i) => assert.ok(close(scheduler.sigmas[i]!, sd15Sigma(t), 1e-5), `σ at ${t}`));
    assert.equal(scheduler.sigmas[20], 0);
    assert.ok(close(scheduler.initNoiseSigma, Math.sqrt(sd15Sigma(951) ** 2 + 1), 1e-6), `${scheduler.initNoiseSigma}`);
  });

  it("with SD 1.5's file as is, spacing is Euler a's own linspace and initNoiseSigma is σ_max itself (σ at t = 999 ≈ 14.6146)", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(20);
    assert.equal(scheduler.timesteps[0], 999);
    assert.ok(close(scheduler.initNoiseSigma, sd15Sigma(999), 1e-5));
    assert.ok(Math.abs(scheduler.initNoiseSigma - 14.6146) < 1e-3);
  });

  it("scaleModelInput divides by √(σ² + 1) of the current step", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    const x = randn([16], 1);
    const scaled = scheduler.scaleModelInput(x, 951);
    const divisor = Math.sqrt(scheduler.sigmas[0]! ** 2 + 1);
    scaled.forEach((value, i) => assert.ok(Math.abs(value - x[i]! / divisor) < 1e-6));
  });

  it("one step is x + (σ_down − σ)·ε + σ_up·noise", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    const x = randn([64], 2);
    const eps = randn([64], 3);
    const noise = randn([64], 4);
    const [from, to] = [scheduler.sigmas[0]!, scheduler.sigmas[1]!];
    const up = Math.sqrt((to ** 2 * (from ** 2 - to ** 2)) / from ** 2);
    const down = Math.sqrt(to ** 2 - up ** 2);
    const prev = scheduler.step(eps, 951, x, { noise });
    prev.forEach((value, i) => assert.ok(Math.abs(value - (x[i]! + (down - from) * eps[i]! + up * noise[i]!)) < 2e-5));
  });

  it("draws one noise tensor per step, the last included, so the generator stays aligned with diffusers", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(4);
    const generator = new TorchGenerator(9);
    const draws: Float32Array[] = [];
    const recording = { randn: (shape: number[]) => { const d = generator.randn(shape); draws.push(d); return d; } };
    const sample = dummySampleDeter();
    const viaGenerator = runDummyLoop(scheduler, scheduler.timesteps, sample, { generator: recording });
    assert.equal(draws.length, 4);
    const replay = new TorchGenerator(9);
    draws.forEach((d) => assert.deepEqual(d, replay.randn(DUMMY_SHAPE)));

    const again = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    again.setTimesteps(4);
    let x = sample;
    again.timesteps.forEach((t, i) => {
      x = again.scaleModelInput(x, t);
      x = again.step(dummyModel(x, t), t, x, { noise: draws[i] });
    });
    assert.deepEqual(x, viaGenerator);
  });

  it("the same seed gives the same result twice; another seed does not", () => {
    const run = (seed: number) => {
      const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
      scheduler.setTimesteps(10);
      return runDummyLoop(scheduler, scheduler.timesteps, dummySampleDeter(), { generator: new TorchGenerator(seed) });
    };
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));
  });

  it("img2img: with a begin index, addNoise and the first step use that index's σ", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    scheduler.setBeginIndex(5);
    const x0 = randn([32], 5);
    const eps = randn([32], 6);
    const noised = scheduler.addNoise(x0, eps, 0); // diffusers ignores the timestep once a begin index is set
    noised.forEach((value, i) => assert.ok(Math.abs(value - (x0[i]! + scheduler.sigmas[5]! * eps[i]!)) < 1e-6));
    const scaled = scheduler.scaleModelInput(noised, scheduler.timesteps[5]!);
    scaled.forEach((value, i) => assert.ok(Math.abs(value - noised[i]! / Math.sqrt(scheduler.sigmas[5]! ** 2 + 1)) < 1e-6));
  });

  it("without a begin index a timestep's position picks σ, and unknown timesteps are refused", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(20);
    const x0 = new Float32Array(4);
    const eps = new Float32Array(4).fill(1);
    assert.ok(Math.abs(scheduler.addNoise(x0, eps, 701)[0]! - scheduler.sigmas[5]!) < 1e-6);
    assert.throws(() => scheduler.addNoise(x0, eps, 700), /not in this scheduler's schedule/);
  });
});

describe("EulerAncestralDiscreteScheduler against diffusers' tests/schedulers/test_scheduler_euler_ancestral.py", () => {
  // diffusers draws the ancestral noise with generator = torch.manual_seed(0): TorchGenerator(0) is that stream.
  const fullLoop = (config: object, tStart = 0, noise?: Float32Array) => {
    const scheduler = new EulerAncestralDiscreteScheduler({ ...DIFFUSERS_TEST_CONFIG, ...config });
    scheduler.setTimesteps(10);
    const sample = dummySampleDeter().map((x) => x * scheduler.initNoiseSigma);
    const timesteps = scheduler.timesteps.slice(tStart * scheduler.order);
    return absSumAndMean(runDummyLoop(scheduler, timesteps, sample, { generator: new TorchGenerator(0), noise }));
  };

  it("test_full_loop_no_noise: 152.3192 / 0.1983", () => {
    const { sum, mean } = fullLoop({});
    assert.ok(Math.abs(sum - 152.3192) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.1983) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_v_prediction: 108.4439 / 0.1412", () => {
    const { sum, mean } = fullLoop({ prediction_type: "v_prediction" });
    assert.ok(Math.abs(sum - 108.4439) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.1412) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_noise (t_start 8): 56163.0508 / 73.1290", () => {
    const { sum, mean } = fullLoop({}, 8, dummyNoiseDeter());
    assert.ok(Math.abs(sum - 56163.0508) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 73.129) < 1e-3, `mean ${mean}`);
  });
});

describe("EulerAncestralDiscreteScheduler configuration", () => {
  it("trailing spacing: 4 steps 999, 749, 499, 249, and initNoiseSigma σ_max itself (not √(σ_max² + 1))", () => {
    const scheduler = new EulerAncestralDiscreteScheduler({ ...SD15_SCHEDULER_CONFIG, timestep_spacing: "trailing" });
    scheduler.setTimesteps(4);
    assert.deepEqual(scheduler.timesteps, [999, 749, 499, 249]);
    assert.equal(scheduler.initNoiseSigma, scheduler.sigmas[0]);
    assert.ok(Math.abs(scheduler.initNoiseSigma - 14.6146) < 1e-3);
  });

  it("refuses prediction_type sample (diffusers raises NotImplementedError) and steps without noise", () => {
    assert.throws(() => new EulerAncestralDiscreteScheduler({ ...SD15_SCHEDULER_CONFIG, prediction_type: "sample" }), SchedulerConfigError);
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(5);
    const x = new Float32Array(8);
    assert.throws(() => scheduler.step(x, scheduler.timesteps[0]!, x), /pass `noise`, or `generator`/);
    assert.throws(() => scheduler.step(x, scheduler.timesteps[0]!, x, { noise: new Float32Array(3) }), /expected 8 noise values/);
  });

  it("setBeginIndex must point inside the schedule", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_LEADING);
    scheduler.setTimesteps(5);
    assert.throws(() => scheduler.setBeginIndex(5), RangeError);
    assert.throws(() => scheduler.setBeginIndex(-1), RangeError);
  });
});
