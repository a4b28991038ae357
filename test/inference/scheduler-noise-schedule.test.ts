import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeNoiseSchedule, torchLinspace } from "../../src/inference/schedulers/betas.ts";
import { DDIMScheduler } from "../../src/inference/schedulers/ddim-scheduler.ts";
import { EulerAncestralDiscreteScheduler } from "../../src/inference/schedulers/euler-ancestral-discrete-scheduler.ts";
import { arange, interpOnIndexGrid, linspace, roundHalfEven } from "../../src/inference/schedulers/numpy-math.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";

const LINEAR = { ...SD15_SCHEDULER_CONFIG, beta_start: 0.0001, beta_end: 0.02, beta_schedule: "linear" } as const;

describe("computeNoiseSchedule (betas.ts)", () => {
  it("SD 1.5: ᾱ[951] = 0.0081550, ᾱ[1] = 0.9982960, ᾱ[0] = 0.9991500", () => {
    const { betas, alphas, alphasCumprod } = computeNoiseSchedule(SD15_SCHEDULER_CONFIG);
    assert.equal(betas.length, 1000);
    assert.ok(Math.abs(alphasCumprod[951]! - 0.008155) < 5e-8);
    assert.ok(Math.abs(alphasCumprod[1]! - 0.998296) < 5e-8);
    assert.ok(Math.abs(alphasCumprod[0]! - 0.99915) < 5e-8);
    assert.equal(betas[0], Math.fround(Math.fround(Math.sqrt(0.00085)) ** 2));
    assert.equal(alphas[999]!, Math.fround(1 - betas[999]!));
  });

  it("linear 0.0001–0.02 reproduces the DDIM variances in diffusers' test_variance", () => {
    const { alphasCumprod: a } = computeNoiseSchedule(LINEAR);
    const variance = (t: number, prev: number) => ((1 - a[prev]!) / (1 - a[t]!)) * (1 - a[t]! / a[prev]!);
    assert.ok(Math.abs(variance(0, 0)) < 1e-5);
    assert.ok(Math.abs(variance(420, 400) - 0.14771) < 1e-5);
    assert.ok(Math.abs(variance(980, 960) - 0.3246) < 1e-5);
    assert.ok(Math.abs(variance(487, 486) - 0.00979) < 1e-5);
    assert.ok(Math.abs(variance(999, 998) - 0.02) < 1e-5);
  });

  it("torch.linspace counts its second half back from the end, so both ends are exact", () => {
    const values = torchLinspace(0.0001, 0.02, 1000);
    assert.equal(values[0], Math.fround(0.0001));
    assert.equal(values[999], Math.fround(0.02));
    assert.deepEqual(torchLinspace(3, 5, 1), Float32Array.of(3));
  });

  it("squaredcos_cap_v2 and trained_betas", () => {
    const cosine = computeNoiseSchedule({ ...SD15_SCHEDULER_CONFIG, beta_schedule: "squaredcos_cap_v2" });
    const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    assert.equal(cosine.betas[0], Math.fround(1 - alphaBar(0.001) / alphaBar(0)));
    assert.equal(cosine.betas[999], Math.fround(0.999));
    const trained = Array.from({ length: 1000 }, (_, i) => 0.001 + i * 1e-5);
    assert.deepEqual(computeNoiseSchedule({ ...SD15_SCHEDULER_CONFIG, trained_betas: trained }).betas, Float32Array.from(trained));
  });

  it("rescale_betas_zero_snr reaches ᾱ = 0 at the last step (Euler a then pins it to 2^-24 as diffusers does)", () => {
    const rescaled = computeNoiseSchedule({ ...SD15_SCHEDULER_CONFIG, rescale_betas_zero_snr: true });
    assert.equal(rescaled.alphasCumprod[999], 0);
    assert.ok(Math.abs(rescaled.alphasCumprod[0]! - 0.99915) < 1e-6);
    assert.equal(new DDIMScheduler({ rescale_betas_zero_snr: true }).alphasCumprod[999], 0);
    assert.equal(new EulerAncestralDiscreteScheduler({ rescale_betas_zero_snr: true }).alphasCumprod[999], 2 ** -24);
  });
});

describe("numpy-math: what numpy does to timestep grids", () => {
  it("rounds halves to even like np.round", () => {
    assert.deepEqual([0.5, 1.5, 2.5, -1.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, -2, 2, 3]);
  });

  it("linspace and arange match numpy's values", () => {
    assert.deepEqual(linspace(0, 999, 21).map(roundHalfEven).slice(9, 12), [450, 500, 549]);
    assert.deepEqual(arange(1000, 0, -1000 / 3).map(roundHalfEven), [1000, 667, 333]);
    assert.deepEqual(arange(5, 0, -2), [5, 3, 1]);
  });

  it("interpolates on the index grid and clamps at the ends", () => {
    const fp = [0, 10, 20];
    assert.equal(interpOnIndexGrid(0.25, fp), 2.5);
    assert.equal(interpOnIndexGrid(2, fp), 20);
    assert.equal(interpOnIndexGrid(5, fp), 20);
    assert.equal(interpOnIndexGrid(-1, fp), 0);
  });
});
