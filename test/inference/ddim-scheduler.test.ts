import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randn } from "../../src/inference/random/randn.ts";
import { TorchGenerator } from "../../src/inference/random/torch-generator.ts";
import { DDIMScheduler } from "../../src/inference/schedulers/ddim-scheduler.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";
import { absSumAndMean, DUMMY_SHAPE, dummyNoiseDeter, dummySampleDeter, runDummyLoop } from "./scheduler-fixtures.ts";

/** diffusers' DDIMSchedulerTest.get_scheduler_config, as is: every other key takes DDIMScheduler's own default. */
const DIFFUSERS_TEST_CONFIG = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  clip_sample: true,
} as const;

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe("DDIMScheduler with SD 1.5's published scheduler_config.json", () => {
  it("sets 20 leading timesteps 951, 901, …, 51, 1 and the issue's ᾱ values", () => {
    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(20);
    assert.deepEqual(scheduler.timesteps, Array.from({ length: 20 }, (_, i) => 951 - 50 * i));
    assert.ok(Math.abs(scheduler.alphasCumprod[951]! - 0.008155) < 1e-7);
    assert.ok(Math.abs(scheduler.alphasCumprod[1]! - 0.998296) < 1e-7);
    assert.ok(Math.abs(scheduler.finalAlphaCumprod - 0.99915) < 1e-7);
    assert.equal(scheduler.finalAlphaCumprod, scheduler.alphasCumprod[0]);
    assert.equal(scheduler.initNoiseSigma, 1);
    assert.equal(scheduler.order, 1);
  });

  it("addNoise is √ᾱ·x0 + √(1−ᾱ)·ε", () => {
    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    const x0 = randn([1, 4, 8, 8], 1);
    const eps = randn([1, 4, 8, 8], 2);
    const a = scheduler.alphasCumprod[701]!;
    const expected = x0.map((x, i) => Math.sqrt(a) * x + Math.sqrt(1 - a) * eps[i]!);
    assertAllClose(scheduler.addNoise(x0, eps, 701), expected, 1e-6);
  });

  it("with η = 0 and the exact ε, each step lands on the next noise level of the same x0 (and the last on ᾱ_0)", () => {
    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(20);
    const x0 = randn([1, 4, 8, 8], 3);
    const eps = randn([1, 4, 8, 8], 4);
    const steps = scheduler.timesteps;
    for (let i = 0; i < steps.length; i++) {
      const xt = scheduler.addNoise(x0, eps, steps[i]!);
      const prev = scheduler.step(eps, steps[i]!, xt);
      const a = i + 1 < steps.length ? scheduler.alphasCumprod[steps[i + 1]!]! : scheduler.finalAlphaCumprod;
      assertAllClose(prev, x0.map((x, j) => Math.sqrt(a) * x + Math.sqrt(1 - a) * eps[j]!), 2e-5);
    }
  });

  it("with set_alpha_to_one the last step recovers x0 itself", () => {
    const scheduler = new DDIMScheduler({ ...SD15_SCHEDULER_CONFIG, set_alpha_to_one: true });
    scheduler.setTimesteps(10);
    const x0 = randn([64], 5);
    const eps = randn([64], 6);
    const t = scheduler.timesteps[9]!;
    assertAllClose(scheduler.step(eps, t, scheduler.addNoise(x0, eps, t)), x0, 1e-5);
  });

  it("η > 0 adds σ_t(η)·varianceNoise, with σ_t from formula (16)", () => {
    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(20);
    const sample = randn([1, 4, 8, 8], 7);
    const eps = randn([1, 4, 8, 8], 8);
    const z = randn([1, 4, 8, 8], 9);
    const [aT, aPrev] = [scheduler.alphasCumprod[501]!, scheduler.alphasCumprod[451]!];
    const eta = 0.7;
    const sigma = eta * Math.sqrt(((1 - aPrev) / (1 - aT)) * (1 - aT / aPrev));
    const x0 = sample.map((x, i) => (x - Math.sqrt(1 - aT) * eps[i]!) / Math.sqrt(aT));
    const expected = x0.map((x, i) => Math.sqrt(aPrev) * x + Math.sqrt(1 - aPrev - sigma ** 2) * eps[i]! + sigma * z[i]!);
    assertAllClose(scheduler.step(eps, 501, sample, { eta, varianceNoise: z }), expected, 2e-5);
  });

  it("η > 0 without varianceNoise draws it from the generator (diffusers' order), reproducibly", () => {
    const run = (opts: object) => {
      const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
      scheduler.setTimesteps(5);
      return runDummyLoop(scheduler, scheduler.timesteps, dummySampleDeter(), opts);
    };
    const a = run({ eta: 1, generator: new TorchGenerator(11) });
    assert.deepEqual(a, run({ eta: 1, generator: new TorchGenerator(11) }));
    assert.notDeepEqual(a, run({ eta: 1, generator: new TorchGenerator(12) }));
    assert.notDeepEqual(a, run({ eta: 0 }));

    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(5);
    const sample = dummySampleDeter();
    const fromGenerator = scheduler.step(sample, 801, sample, { eta: 1, generator: new TorchGenerator(3), shape: DUMMY_SHAPE });
    const fromNoise = scheduler.step(sample, 801, sample, { eta: 1, varianceNoise: randn(DUMMY_SHAPE, 3) });
    assert.deepEqual(fromGenerator, fromNoise);
  });

  it("refuses η > 0 with both or neither of varianceNoise and generator, as diffusers does", () => {
    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    scheduler.setTimesteps(5);
    const x = randn([16], 0);
    assert.throws(() => scheduler.step(x, 801, x, { eta: 1, varianceNoise: x, generator: new TorchGenerator(0) }), /either/);
    assert.throws(() => scheduler.step(x, 801, x, { eta: 1 }), /generator/);
    assert.doesNotThrow(() => scheduler.step(x, 801, x, { eta: 0, generator: new TorchGenerator(0) }));
  });
});

describe("DDIMScheduler against diffusers' tests/schedulers/test_scheduler_ddim.py", () => {
  const fullLoop = (config: object = {}) => {
    const scheduler = new DDIMScheduler({ ...DIFFUSERS_TEST_CONFIG, ...config });
    scheduler.setTimesteps(10);
    return absSumAndMean(runDummyLoop(scheduler, scheduler.timesteps, dummySampleDeter(), { eta: 0 }));
  };

  it("test_full_loop_no_noise: 172.0067 / 0.223967", () => {
    const { sum, mean } = fullLoop();
    assert.ok(Math.abs(sum - 172.0067) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.223967) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_v_prediction: 52.5302 / 0.0684", () => {
    const { sum, mean } = fullLoop({ prediction_type: "v_prediction" });
    assert.ok(Math.abs(sum - 52.5302) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.0684) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_with_set_alpha_to_one / no_set_alpha_to_one: 149.8295 / 149.0784", () => {
    const one = fullLoop({ set_alpha_to_one: true, beta_start: 0.01 });
    const zero = fullLoop({ set_alpha_to_one: false, beta_start: 0.01 });
    assert.ok(Math.abs(one.sum - 149.8295) < 1e-2 && Math.abs(one.mean - 0.1951) < 1e-3, `sum ${one.sum}`);
    assert.ok(Math.abs(zero.sum - 149.0784) < 1e-2 && Math.abs(zero.mean - 0.1941) < 1e-3, `sum ${zero.sum}`);
  });

  it("test_full_loop_with_noise (t_start 8): 354.5418 / 0.4616", () => {
    const scheduler = new DDIMScheduler(DIFFUSERS_TEST_CONFIG);
    scheduler.setTimesteps(10);
    const timesteps = scheduler.timesteps.slice(8 * scheduler.order);
    const { sum, mean } = absSumAndMean(runDummyLoop(scheduler, timesteps, dummySampleDeter(), { noise: dummyNoiseDeter() }));
    assert.ok(Math.abs(sum - 354.5418) < 1e-2, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.4616) < 1e-3, `mean ${mean}`);
  });

  it("test_steps_offset: 5 steps with steps_offset 1 → 801, 601, 401, 201, 1", () => {
    const scheduler = new DDIMScheduler({ ...DIFFUSERS_TEST_CONFIG, steps_offset: 1 });
    scheduler.setTimesteps(5);
    assert.deepEqual(scheduler.timesteps, [801, 601, 401, 201, 1]);
  });

  it("trailing and linspace spacings follow numpy's arange/linspace and round-half-even", () => {
    const trailing = new DDIMScheduler({ ...SD15_SCHEDULER_CONFIG, timestep_spacing: "trailing" });
    trailing.setTimesteps(10);
    assert.deepEqual(trailing.timesteps, [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    const linspace = new DDIMScheduler({ ...SD15_SCHEDULER_CONFIG, timestep_spacing: "linspace" });
    linspace.setTimesteps(10);
    assert.deepEqual(linspace.timesteps, [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
  });
});

describe("DDIMScheduler configuration", () => {
  it("ignores keys it does not know (a PNDM scheduler_config.json) and rejects bad values by name", () => {
    assert.doesNotThrow(() => new DDIMScheduler({ _class_name: "PNDMScheduler", skip_prk_steps: true }));
    assert.throws(() => new DDIMScheduler({ beta_schedule: "cosine" as never }), (e: unknown) => e instanceof SchedulerConfigError && /beta_schedule/.test(e.message));
    assert.throws(() => new DDIMScheduler({ num_train_timesteps: 0 }), /num_train_timesteps/);
    assert.throws(() => new DDIMScheduler({ thresholding: true }), /thresholding/);
  });

  it("refuses impossible step counts and steps before setTimesteps", () => {
    const scheduler = new DDIMScheduler(SD15_SCHEDULER_CONFIG);
    const x = new Float32Array(4);
    assert.throws(() => scheduler.step(x, 951, x), /setTimesteps/);
    assert.throws(() => scheduler.setTimesteps(0), RangeError);
    assert.throws(() => scheduler.setTimesteps(1001), /between 1 and 1000/);
    scheduler.setTimesteps(20);
    assert.throws(() => scheduler.step(x, 951, new Float32Array(5)), /same number of elements/);
  });
});
