import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import {
  GenerationCancelledError,
  InvalidOptionError,
  StableDiffusionPipeline,
  type GenerationResult,
} from "../../src/inference/index.ts";
import { ImageInputError } from "../../src/inference/image/errors.ts";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { makeHostileImages } from "../helpers/hostile-images.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

const VARIANTS = ["tiny", "tiny-optimum", "tiny-legacy", "tiny-fp16"] as const;

async function inputImage(width = 96, height = 64): Promise<Buffer> {
  // Left half red, right half blue: enough structure for img2img to start from.
  const half = Buffer.alloc((width / 2) * height * 3);
  for (let i = 0; i < half.length; i += 3) half[i] = 220;
  const left = await sharp(half, { raw: { width: width / 2, height, channels: 3 } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: 20, g: 40, b: 200 } } })
    .composite([{ input: left, left: 0, top: 0 }])
    .jpeg()
    .toBuffer();
}

function assertPng(result: GenerationResult, width: number, height: number): void {
  assert.equal(result.width, width);
  assert.equal(result.height, height);
  assert.equal(result.png.subarray(1, 4).toString("latin1"), "PNG");
  assert.equal(result.image.data.length, width * height * 3);
}

interface RecordedRun {
  session: string;
  feeds: Record<string, { data: ArrayLike<number>; dims: readonly number[] }>;
  outputs: Record<string, { data: Float32Array; dims: number[] }>;
}

/** Runs `action` while recording every ONNX session run: which model, what it was fed, what it returned. */
async function recordRuns<T>(action: () => Promise<T>): Promise<{ result: T; calls: RecordedRun[] }> {
  const calls: RecordedRun[] = [];
  const original = ModelSession.prototype.run;
  ModelSession.prototype.run = async function (this: ModelSession, feeds, outputNames) {
    const outputs = await original.call(this, feeds, outputNames);
    calls.push({ session: this.name, feeds, outputs });
    return outputs;
  };
  try {
    return { result: await action(), calls };
  } finally {
    ModelSession.prototype.run = original;
  }
}

for (const variant of VARIANTS) {
  describe(`pipeline on the synthesized "${variant}" export`, () => {
    let pipeline: StableDiffusionPipeline;
    before(async () => {
      pipeline = await StableDiffusionPipeline.load(await syntheticModel(variant), { executionProviders: "cpu" });
    });
    after(() => pipeline.release());

    test("img2img writes a PNG of the requested size that names its seed", async () => {
      const result = await pipeline.img2img({ image: await inputImage(), prompt: "a red and blue flag", steps: 4, strength: 0.5, seed: 42n, width: 64, height: 48 });
      assertPng(result, 64, 48);
      assert.equal(result.seed, 42n);
      const parameters = readPngText(result.png).parameters ?? "";
      assert.match(parameters, /^a red and blue flag\n/);
      assert.match(parameters, /Seed: 42,/);
      assert.match(parameters, /Denoising strength: 0\.5/);
    });

    test("txt2img runs every step and decodes", async () => {
      const steps: number[] = [];
      const result = await pipeline.txt2img({ prompt: "a fox", steps: 3, seed: 1, width: 64, height: 64, onProgress: (e) => steps.push(e.step) });
      assertPng(result, 64, 64);
      // the folder's PNDM runs PLMS, which evaluates its second timestep twice: 3 steps, 4 evaluations
      assert.deepEqual(steps, [1, 2, 3, 4]);
      assert.equal(result.timings.unetRuns, 4);
    });
  });
}

describe("the fp16 export", () => {
  test("gives the fp32 export's image within one level (same synthetic weights, float16 feeds and outputs)", async () => {
    const fp32 = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
    const fp16 = await StableDiffusionPipeline.load(await syntheticModel("tiny-fp16"), { executionProviders: "cpu" });
    try {
      const options = { prompt: "a fox", negativePrompt: "blurry", steps: 3, seed: 1, width: 64, height: 48 };
      const [a, b, otherSeed] = [await fp32.txt2img(options), await fp16.txt2img(options), await fp32.txt2img({ ...options, seed: 2 })];
      let maxDiff = 0;
      let seedDiff = 0;
      for (let i = 0; i < a.image.data.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a.image.data[i]! - b.image.data[i]!));
        seedDiff += Math.abs(a.image.data[i]! - otherSeed.image.data[i]!);
      }
      assert.ok(maxDiff <= 2, `fp16 differs from fp32 by up to ${maxDiff} levels`);
      // The comparison can fail: another seed moves pixels by tens of levels on average.
      assert.ok(seedDiff / a.image.data.length > 20);
    } finally {
      await Promise.all([fp32.release(), fp16.release()]);
    }
  });
});

describe("pipeline behaviour", () => {
  let pipeline: StableDiffusionPipeline;
  let image: Buffer;
  before(async () => {
    pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
    image = await inputImage();
  });
  after(() => pipeline.release());

  test("the same seed and parameters give the same PNG bytes; another seed gives other bytes", async () => {
    const options = { image, prompt: "a flag", steps: 5, strength: 0.6, seed: 1234n, scheduler: "euler-a" as const };
    const a = await pipeline.img2img(options);
    const b = await pipeline.img2img(options);
    const c = await pipeline.img2img({ ...options, seed: 1235n });
    assert.ok(a.png.equals(b.png));
    assert.ok(!a.png.equals(c.png));
  });

  for (const scheduler of ["ddim", "dpm++2m", "euler-a"] as const) {
    test(`strength runs exactly floor(steps × strength) UNet evaluations (${scheduler})`, async () => {
      for (const [steps, strength] of [[10, 0.75], [7, 0.5], [4, 1], [20, 0.05]] as const) {
        const result = await pipeline.img2img({ image, prompt: "x", steps, strength, seed: 3, scheduler, width: 64, height: 64 });
        assert.equal(result.timings.unetRuns, Math.floor(steps * strength), `${steps} steps at strength ${strength}`);
        assert.equal(result.timings.denoiseSteps, Math.floor(steps * strength));
      }
    });
  }

  test("guidance changes the image, and guidance ≤ 1 still runs one UNet pass per step", async () => {
    const base = { prompt: "a fox", negativePrompt: "blurry", steps: 3, seed: 9, width: 64, height: 64 };
    const guided = await pipeline.txt2img({ ...base, guidanceScale: 7.5 });
    const unguided = await pipeline.txt2img({ ...base, guidanceScale: 1 });
    assert.equal(unguided.timings.unetRuns, 4, "3 PLMS steps, 4 evaluations, one pass each");
    assert.ok(!guided.png.equals(unguided.png));
  });

  test("the prompt changes the image", async () => {
    const base = { steps: 3, seed: 9, width: 64, height: 64 };
    const a = await pipeline.txt2img({ ...base, prompt: "a fox" });
    const b = await pipeline.txt2img({ ...base, prompt: "a castle at night" });
    assert.ok(!a.png.equals(b.png));
  });

  test("a non-square size keeps [batch, channels, height, width] order, value by value", async () => {
    // 64 wide × 48 high, red rising along x and green along y: a swapped axis moves every value.
    const [width, height] = [64, 48];
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set([x * 3, y * 5, 7], (y * width + x) * 3);
    const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
    const runs = await recordRuns(() => pipeline.img2img({ image: png, prompt: "wide", steps: 2, strength: 1, seed: 5, width, height }));
    const result = runs.result;
    assertPng(result, width, height);

    const encoderFeed = runs.calls.find((c) => c.session === "vae_encoder")!.feeds.sample!;
    assert.deepEqual(encoderFeed.dims, [1, 3, height, width]);
    const plane = width * height;
    for (const [x, y] of [[0, 0], [63, 0], [5, 40], [40, 5], [63, 47]] as const) {
      assert.equal(encoderFeed.data[0 * plane + y * width + x], Math.fround(2 * Math.fround((x * 3) / 255) - 1), `red at ${x},${y}`);
      assert.equal(encoderFeed.data[1 * plane + y * width + x], Math.fround(2 * Math.fround((y * 5) / 255) - 1), `green at ${x},${y}`);
    }
    for (const call of runs.calls.filter((c) => c.session === "unet")) assert.deepEqual(call.feeds.sample!.dims, [2, 4, height / 8, width / 8]);
    const decoder = runs.calls.find((c) => c.session === "vae_decoder")!;
    assert.deepEqual(decoder.feeds.latent_sample!.dims, [1, 4, height / 8, width / 8]);
    const decoded = decoder.outputs.sample!;
    assert.deepEqual(decoded.dims, [1, 3, height, width]);
    // The PNG's pixel (x, y) is the decoder's value at [c, y, x].
    const toByte = (v: number) => Math.round(Math.min(1, Math.max(0, v / 2 + 0.5)) * 255);
    for (const [x, y] of [[0, 0], [63, 0], [5, 40], [40, 5], [63, 47]] as const) {
      for (let c = 0; c < 3; c++) {
        const expected = toByte(decoded.data[c * plane + y * width + x]!);
        assert.ok(Math.abs(result.image.data[(y * width + x) * 3 + c]! - expected) <= 1, `channel ${c} at ${x},${y}`);
      }
    }
  });

  test("aborting stops between steps with GenerationCancelledError", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      pipeline.txt2img({
        prompt: "x",
        steps: 10,
        seed: 1,
        width: 64,
        height: 64,
        signal: controller.signal,
        onProgress: (e) => {
          seen.push(e.step);
          if (e.step === 2) controller.abort();
        },
      }),
      GenerationCancelledError,
    );
    assert.deepEqual(seen, [1, 2]);
  });

  test("an over-long prompt is cut to CLIP's context and says so", async () => {
    const result = await pipeline.txt2img({ prompt: "word ".repeat(120), steps: 1, seed: 1, width: 64, height: 64 });
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /77 tokens/);
  });

  test("bad options are refused with a message naming the allowed range", async () => {
    await assert.rejects(pipeline.img2img({ image, prompt: "x", strength: 1.5 }), (e: Error) => e instanceof InvalidOptionError && /strength.*1\.5/.test(e.message));
    await assert.rejects(pipeline.txt2img({ prompt: "x", steps: 0 }), (e: Error) => e instanceof InvalidOptionError && /steps/.test(e.message));
    await assert.rejects(pipeline.txt2img({ prompt: "x", width: 100 }), (e: Error) => e instanceof InvalidOptionError && /multiple of 8/.test(e.message));
    await assert.rejects(pipeline.txt2img({ prompt: "x", seed: -1 }), (e: Error) => e instanceof InvalidOptionError && /seed/.test(e.message));
    await assert.rejects(pipeline.img2img({ image, prompt: "x", steps: 2, strength: 0.3 }), InvalidOptionError);
  });

  test("bad images are refused before any model runs", async () => {
    const corpus = await makeHostileImages();
    const cases = { empty: "empty", notImage: "not-an-image", truncatedPng: "truncated", bomb: "too-many-pixels" } as const;
    const byExpectation = new Map<string, Buffer>();
    for (const entry of Object.values(corpus)) if (!byExpectation.has(entry.expect)) byExpectation.set(entry.expect, entry.bytes);
    for (const code of Object.values(cases)) {
      const bytes = byExpectation.get(code);
      assert.ok(bytes, `the corpus has a case for ${code}`);
      await assert.rejects(pipeline.img2img({ image: bytes, prompt: "x", steps: 2 }), (e: Error) => e instanceof ImageInputError && e.code === code && e.message.length > 10);
    }
  });
});
