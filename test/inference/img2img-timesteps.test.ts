import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DDIMScheduler } from "../../src/inference/schedulers/ddim-scheduler.ts";
import { DPMSolverMultistepScheduler } from "../../src/inference/schedulers/dpm-solver-multistep-scheduler.ts";
import { EulerAncestralDiscreteScheduler } from "../../src/inference/schedulers/euler-ancestral-discrete-scheduler.ts";
import { getImg2ImgTimesteps } from "../../src/inference/schedulers/img2img-timesteps.ts";
import type { Scheduler } from "../../src/inference/schedulers/scheduler.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";

const SCHEDULERS: [string, () => Scheduler][] = [
  ["DDIM", () => new DDIMScheduler(SD15_SCHEDULER_CONFIG)],
  ["DPM++ 2M", () => new DPMSolverMultistepScheduler(SD15_SCHEDULER_CONFIG)],
  ["Euler a", () => new EulerAncestralDiscreteScheduler(SD15_SCHEDULER_CONFIG)],
];

describe("getImg2ImgTimesteps follows diffusers' get_timesteps", () => {
  it("strength 0.75 at 20 steps runs 15 steps from 701 (SD 1.5, DDIM)", () => {
    const { timesteps, startIndex } = getImg2ImgTimesteps(new DDIMScheduler(SD15_SCHEDULER_CONFIG), 20, 0.75);
    assert.equal(startIndex, 5);
    assert.deepEqual(timesteps, [701, 651, 601, 551, 501, 451, 401, 351, 301, 251, 201, 151, 101, 51, 1]);
  });

  // Python's int() on the same double product: 20 × 0.7 = 14.000000000000002 → 14, 100 × 0.29 = 28.999999999999996 → 28.
  const cases: [number, number, number][] = [
    [20, 0.75, 15],
    [20, 0.7, 14],
    [10, 0.3, 3],
    [100, 0.29, 28],
    [50, 0.5, 25],
    [30, 1, 30],
    [7, 0.2, 1],
  ];
  for (const [name, make] of SCHEDULERS) {
    it(`${name}: keeps floor(steps·strength) timesteps, the tail of the full schedule, and sets the begin index`, () => {
      for (const [steps, strength, expected] of cases) {
        const scheduler = make();
        const { timesteps, startIndex } = getImg2ImgTimesteps(scheduler, steps, strength);
        assert.equal(timesteps.length, expected, `${steps} steps × ${strength}`);
        assert.equal(startIndex, (steps - expected) * scheduler.order);
        assert.deepEqual(timesteps, scheduler.timesteps.slice(startIndex));
      }
    });
  }

  it("the begin index makes Euler a noise to, and start at, the first remaining σ", () => {
    const scheduler = new EulerAncestralDiscreteScheduler(SD15_SCHEDULER_CONFIG);
    const { timesteps, startIndex } = getImg2ImgTimesteps(scheduler, 20, 0.6);
    const x0 = new Float32Array(4);
    const eps = new Float32Array(4).fill(1);
    assert.equal(scheduler.addNoise(x0, eps, timesteps[0]!)[0], scheduler.sigmas[startIndex]!);
    const x = scheduler.addNoise(x0, eps, timesteps[0]!);
    const scaled = scheduler.scaleModelInput(x, timesteps[0]!);
    assert.ok(Math.abs(scaled[0]! - x[0]! / Math.sqrt(scheduler.sigmas[startIndex]! ** 2 + 1)) < 1e-6);
  });

  it("a second call resets the schedule (setTimesteps clears the previous begin index)", () => {
    const scheduler = new DPMSolverMultistepScheduler(SD15_SCHEDULER_CONFIG);
    getImg2ImgTimesteps(scheduler, 20, 0.5);
    const { timesteps } = getImg2ImgTimesteps(scheduler, 10, 1);
    assert.equal(timesteps.length, 10);
    assert.deepEqual(timesteps, scheduler.timesteps);
  });

  it("refuses a strength outside (0, 1], naming the range", () => {
    for (const strength of [0, -0.1, 1.5, Number.NaN]) {
      assert.throws(() => getImg2ImgTimesteps(new DDIMScheduler(SD15_SCHEDULER_CONFIG), 20, strength), (e: unknown) => e instanceof RangeError && e.message.includes("(0, 1]"));
    }
  });

  it("refuses a strength that leaves no step to run", () => {
    assert.throws(() => getImg2ImgTimesteps(new DDIMScheduler(SD15_SCHEDULER_CONFIG), 20, 0.04), /no denoising step/);
  });
});
