import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Generator } from "../../src/inference/random/generator.ts";
import { randn } from "../../src/inference/random/randn.ts";
import { TorchGenerator } from "../../src/inference/random/torch-generator.ts";
import { getImg2ImgTimesteps } from "../../src/inference/schedulers/img2img-timesteps.ts";
import { denoisingSteps } from "../../src/inference/pipeline/img2img-strength.ts";
import { LCMScheduler } from "../../src/inference/schedulers/lcm-scheduler.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";
import { absSumAndMean, DUMMY_SHAPE, dummyModel, dummySampleDeter } from "./scheduler-fixtures.ts";

/** diffusers' LCMSchedulerTest.get_scheduler_config, as is: the rest are LCMScheduler's own defaults. */
const DIFFUSERS_TEST_CONFIG = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: "scaled_linear", prediction_type: "epsilon" } as const;

/** A generator that records what it draws. */
function recording(seed: number): Generator & { draws: number[][] } {
  const inner = new TorchGenerator(seed);
  const draws: number[][] = [];
  return { draws, randn: (shape: number[]) => (draws.push(shape), inner.randn(shape)) };
}

/** diffusers' LCM full_loop: no scale_model_input, the model sees the sample as is; noise from torch.manual_seed(seed). */
function fullLoop(steps: number, config: object = {}, generator: Generator = new TorchGenerator(0)): Float32Array {
  const scheduler = new LCMScheduler({ ...DIFFUSERS_TEST_CONFIG, ...config });
  scheduler.setTimesteps(steps);
  let sample = dummySampleDeter();
  for (const t of scheduler.timesteps) sample = scheduler.step(dummyModel(sample, t), t, sample, { generator, shape: DUMMY_SHAPE });
  return sample;
}

describe("LCMScheduler against diffusers' tests/schedulers/test_scheduler_lcm.py", () => {
  it("test_full_loop_onestep: 18.7097 / 0.0244", () => {
    const { sum, mean } = absSumAndMean(fullLoop(1));
    assert.ok(Math.abs(sum - 18.7097) < 1e-3, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.0244) < 1e-3, `mean ${mean}`);
  });

  it("test_full_loop_multistep: 197.7616 / 0.2575", () => {
    const { sum, mean } = absSumAndMean(fullLoop(10));
    assert.ok(Math.abs(sum - 197.7616) < 1e-3, `sum ${sum}`);
    assert.ok(Math.abs(mean - 0.2575) < 1e-3, `mean ${mean}`);
  });

  it("draws model_output.shape from the generator after every step but the last, in diffusers' order", () => {
    const generator = recording(0);
    fullLoop(4, {}, generator);
    assert.deepEqual(generator.draws, [DUMMY_SHAPE, DUMMY_SHAPE, DUMMY_SHAPE]);
    const oneStep = recording(0);
    fullLoop(1, {}, oneStep);
    assert.deepEqual(oneStep.draws, []);
  });

  it("passing the draws as `noise` gives the same result as the generator", () => {
    const generator = recording(3);
    const viaGenerator = fullLoop(4, {}, generator);
    const replay = new TorchGenerator(3);
    const noises = generator.draws.map((shape) => replay.randn(shape));
    const scheduler = new LCMScheduler(DIFFUSERS_TEST_CONFIG);
    scheduler.setTimesteps(4);
    let sample = dummySampleDeter();
    scheduler.timesteps.forEach((t, i) => {
      sample = scheduler.step(dummyModel(sample, t), t, sample, { noise: noises[i] });
    });
    assert.deepEqual(sample, viaGenerator);
  });
});

describe("LCMScheduler timesteps", () => {
  it("picks steps evenly from the 50-point distillation schedule 999, 979, …, 19", () => {
    const cases: [number, number[]][] = [
      [1, [999]],
      [2, [999, 499]],
      [4, [999, 759, 499, 259]],
      [8, [999, 879, 759, 639, 499, 379, 259, 139]],
    ];
    for (const [steps, expected] of cases) {
      const scheduler = new LCMScheduler(SD15_SCHEDULER_CONFIG);
      scheduler.setTimesteps(steps);
      assert.deepEqual(scheduler.timesteps, expected, `${steps} steps`);
    }
  });

  it("ignores timestep_spacing and steps_offset, as diffusers' LCM does", () => {
    const scheduler = new LCMScheduler({ ...SD15_SCHEDULER_CONFIG, timestep_spacing: "trailing", steps_offset: 7 });
    scheduler.setTimesteps(4);
    assert.deepEqual(scheduler.timesteps, [999, 759, 499, 259]);
  });

  it("img2img follows LatentConsistencyModelImg2ImgPipeline: set_timesteps(steps, strength), every timestep runs", () => {
    const scheduler = new LCMScheduler(SD15_SCHEDULER_CONFIG);
    assert.deepEqual(getImg2ImgTimesteps(scheduler, 4, 0.5, true), { timesteps: [499, 379, 259, 139], startIndex: 0 });
    assert.deepEqual(getImg2ImgTimesteps(scheduler, 4, 0.3, true), { timesteps: [299, 239, 159, 79], startIndex: 0 });
    assert.deepEqual(scheduler.timesteps, [299, 239, 159, 79]);
  });

  it("LCM-LoRA's img2img (a plain UNet) slices the schedule as StableDiffusionImg2ImgPipeline's get_timesteps does", () => {
    // diffusers' torch run of StableDiffusionImg2ImgPipeline with LCMScheduler ran these (test/fixtures/diffusers-parity).
    const scheduler = new LCMScheduler(SD15_SCHEDULER_CONFIG);
    assert.deepEqual(getImg2ImgTimesteps(scheduler, 4, 0.6), { timesteps: [499, 259], startIndex: 2 });
    assert.deepEqual(getImg2ImgTimesteps(scheduler, 6, 0.5).timesteps, scheduler.timesteps.slice(3));
    assert.equal(denoisingSteps(4, 0.6, "lcm", false), 2);
    assert.equal(denoisingSteps(4, 0.6, "lcm", true), 4);
  });

  it("img2img noises by timestep (√ᾱ·x0 + √(1−ᾱ)·ε) and the last of its steps returns the denoised sample", () => {
    const scheduler = new LCMScheduler(SD15_SCHEDULER_CONFIG);
    const { timesteps } = getImg2ImgTimesteps(scheduler, 2, 0.5, true);
    const x0 = randn([16], 1);
    const eps = randn([16], 2);
    const alpha = scheduler.alphasCumprod[timesteps[0]!]!;
    const noised = scheduler.addNoise(x0, eps, timesteps[0]!);
    noised.forEach((v, i) => assert.ok(Math.abs(v - (Math.sqrt(alpha) * x0[i]! + Math.sqrt(1 - alpha) * eps[i]!)) < 1e-5));
    // with the exact ε, each denoised prediction is x0 up to the boundary condition's c_skip (tiny at t ≥ 1)
    const generator = new TorchGenerator(0);
    let x = noised;
    for (const t of timesteps) {
      const alphaT = scheduler.alphasCumprod[t]!;
      const exactEps = x.map((v, i) => (v - Math.sqrt(alphaT) * x0[i]!) / Math.sqrt(1 - alphaT));
      x = scheduler.step(exactEps, t, x, { generator, shape: [16] });
    }
    x.forEach((v, i) => assert.ok(Math.abs(v - x0[i]!) < 2e-3, `${v} vs ${x0[i]}`));
  });

  it("refuses more steps than the (strength-cut) distillation schedule has, saying why", () => {
    const scheduler = new LCMScheduler(SD15_SCHEDULER_CONFIG);
    assert.throws(() => scheduler.setTimesteps(51), /at most original_inference_steps \(50\)|50 distillation timesteps/);
    assert.throws(() => scheduler.setTimesteps(8, 0.1), /from 5 distillation timesteps/);
    assert.throws(() => getImg2ImgTimesteps(scheduler, 4, 0, true), /strength/);
  });
});

describe("LCMScheduler configuration", () => {
  it("v_prediction and sample predictions give x0 as diffusers computes it", () => {
    for (const prediction_type of ["v_prediction", "sample"] as const) {
      const scheduler = new LCMScheduler({ ...SD15_SCHEDULER_CONFIG, prediction_type });
      scheduler.setTimesteps(1);
      const x = randn([8], 4);
      const out = randn([8], 5);
      const a = scheduler.alphasCumprod[999]!;
      const scaled = 999 * 10;
      const cSkip = 0.25 / (scaled ** 2 + 0.25);
      const cOut = scaled / Math.sqrt(scaled ** 2 + 0.25);
      const result = scheduler.step(out, 999, x);
      result.forEach((v, i) => {
        const x0 = prediction_type === "sample" ? out[i]! : Math.sqrt(a) * x[i]! - Math.sqrt(1 - a) * out[i]!;
        assert.ok(Math.abs(v - (cOut * x0 + cSkip * x[i]!)) < 1e-5, prediction_type);
      });
    }
  });

  it("clip_sample clamps x0 to ±clip_sample_range", () => {
    const scheduler = new LCMScheduler({ ...SD15_SCHEDULER_CONFIG, prediction_type: "sample", clip_sample: true, clip_sample_range: 0.5 });
    scheduler.setTimesteps(1);
    const result = scheduler.step(Float32Array.of(3, -3, 0.25), 999, new Float32Array(3));
    assert.ok(Math.abs(result[0]! - 0.5) < 1e-6 && Math.abs(result[1]! + 0.5) < 1e-6 && Math.abs(result[2]! - 0.25) < 1e-6);
  });

  it("refuses thresholding and bad values by key, and steps before setTimesteps", () => {
    assert.throws(() => new LCMScheduler({ thresholding: true }), (e: unknown) => e instanceof SchedulerConfigError && e.message.includes("thresholding"));
    assert.throws(() => new LCMScheduler({ original_inference_steps: 0 }), /original_inference_steps/);
    assert.throws(() => new LCMScheduler({ timestep_scaling: "10" }), /timestep_scaling/);
    const x = new Float32Array(4);
    assert.throws(() => new LCMScheduler().step(x, 999, x), /call setTimesteps first/);
  });
});
