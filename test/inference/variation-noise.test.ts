import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StableDiffusionPipeline, TorchGenerator, slerpNoise } from "../../src/inference/index.ts";
import { initialNoise } from "../../src/inference/pipeline/variation-noise.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

/** A1111's slerp (modules/rng.py) written the plain way, per (channel, column) along the height axis, as a reference. */
function referenceSlerp(val: number, low: Float32Array, high: Float32Array, [c, h, w]: [number, number, number]): Float64Array {
  const out = new Float64Array(low.length);
  for (let ch = 0; ch < c; ch++) {
    for (let x = 0; x < w; x++) {
      const at = (y: number) => (ch * h + y) * w + x;
      let ll = 0;
      let hh = 0;
      let lh = 0;
      for (let y = 0; y < h; y++) {
        ll += low[at(y)]! ** 2;
        hh += high[at(y)]! ** 2;
        lh += low[at(y)]! * high[at(y)]!;
      }
      const omega = Math.acos(lh / Math.sqrt(ll * hh));
      for (let y = 0; y < h; y++) {
        out[at(y)] = (Math.sin((1 - val) * omega) / Math.sin(omega)) * low[at(y)]! + (Math.sin(val * omega) / Math.sin(omega)) * high[at(y)]!;
      }
    }
  }
  return out;
}

describe("variation noise (A1111's variation seed)", () => {
  const shape: [number, number, number] = [4, 6, 5];
  const low = new TorchGenerator(1).randn([1, ...shape]);
  const high = new TorchGenerator(2).randn([1, ...shape]);

  test("slerps each (channel, column) along the height axis as A1111's slerp does", () => {
    const got = slerpNoise(0.1, low, high, shape);
    const want = referenceSlerp(0.1, low, high, shape);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-6, `element ${i}: ${got[i]} vs ${want[i]}`);
  });

  test("strength 0 is the seed's noise, 1 the variation seed's", () => {
    const none = slerpNoise(0, low, high, shape);
    const all = slerpNoise(1, low, high, shape);
    for (let i = 0; i < low.length; i++) {
      assert.ok(Math.abs(none[i]! - low[i]!) < 1e-6);
      assert.ok(Math.abs(all[i]! - high[i]!) < 1e-5);
    }
  });

  test("near-parallel noises are blended linearly (A1111's fallback), not divided by sin 0", () => {
    const same = slerpNoise(0.3, low, low, shape);
    for (let i = 0; i < low.length; i++) assert.ok(Math.abs(same[i]! - low[i]!) < 1e-6);
    assert.ok(same.every(Number.isFinite));
  });

  test("the seed's generator goes on from where its own draw ended, whatever the variation", () => {
    const plain = new TorchGenerator(7);
    const varied = new TorchGenerator(7);
    initialNoise(plain, [1, 4, 6, 5]);
    initialNoise(varied, [1, 4, 6, 5], { seed: 99n, strength: 0.1 });
    assert.deepEqual(plain.randn([10]), varied.randn([10]));
  });
});

describe("pipeline variations", () => {
  test("a variation stays close to its seed's image, changes it, is reproducible and is recorded in the PNG", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
    try {
      const base = { prompt: "a fox", steps: 3, seed: 5n, width: 64, height: 64 };
      const plain = await pipeline.txt2img(base);
      const varied = await pipeline.txt2img({ ...base, variationSeed: 6n, variationStrength: 0.1 });
      const again = await pipeline.txt2img({ ...base, variationSeed: 6n, variationStrength: 0.1 });
      const other = await pipeline.txt2img({ ...base, seed: 6n });
      assert.ok(Buffer.compare(plain.png, varied.png) !== 0, "the variation changed nothing");
      assert.ok(varied.png.equals(again.png), "the same variation gave other bytes");
      const distance = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0);
      assert.ok(distance(plain.image.data, varied.image.data) < distance(plain.image.data, other.image.data), "a 0.1 variation is not closer than another seed");
      assert.equal(varied.parameters.variationSeed, "6");
      assert.equal(varied.parameters.variationStrength, 0.1);
      const zero = await pipeline.txt2img({ ...base, variationSeed: 6n, variationStrength: 0 });
      assert.ok(zero.png.equals(plain.png), "strength 0 must be the seed's own image");
    } finally {
      await pipeline.release();
    }
  });

  test("a variation strength without a variation seed is refused", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
    try {
      await assert.rejects(pipeline.txt2img({ prompt: "x", steps: 1, width: 64, height: 64, variationStrength: 0.2 }), /variationSeed/);
      await assert.rejects(pipeline.txt2img({ prompt: "x", steps: 1, width: 64, height: 64, variationSeed: 1n, variationStrength: 1.5 }), /variationStrength/);
    } finally {
      await pipeline.release();
    }
  });
});
