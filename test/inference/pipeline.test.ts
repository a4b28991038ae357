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
      assert.deepEqual(steps, [1, 2, 3]);
      assert.equal(result.timings.unetRuns, 3);
    });
  });
}

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
    assert.equal(unguided.timings.unetRuns, 3);
    assert.ok(!guided.png.equals(unguided.png));
  });

  test("the prompt changes the image", async () => {
    const base = { steps: 3, seed: 9, width: 64, height: 64 };
    const a = await pipeline.txt2img({ ...base, prompt: "a fox" });
    const b = await pipeline.txt2img({ ...base, prompt: "a castle at night" });
    assert.ok(!a.png.equals(b.png));
  });

  test("a non-square size keeps [batch, channels, height, width] order", async () => {
    const result = await pipeline.txt2img({ prompt: "wide", steps: 2, seed: 5, width: 128, height: 64 });
    assertPng(result, 128, 64);
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
