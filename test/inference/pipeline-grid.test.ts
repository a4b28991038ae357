import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { InvalidOptionError, StableDiffusionPipeline } from "../../src/inference/index.ts";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { predictNoiseBatch } from "../../src/inference/pipeline/predict-noise.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

/** Counts UNet runs and the batch each was fed, while `action` runs. */
async function unetBatches<T>(action: () => Promise<T>): Promise<{ result: T; batches: number[] }> {
  const batches: number[] = [];
  const original = ModelSession.prototype.run;
  ModelSession.prototype.run = async function (this: ModelSession, feeds, outputNames) {
    if (this.name === "unet") batches.push(feeds.sample!.dims[0]!);
    return original.call(this, feeds, outputNames);
  };
  try {
    return { result: await action(), batches };
  } finally {
    ModelSession.prototype.run = original;
  }
}

describe("a grid (count > 1): one batched UNet call per step, each image from its own seed", () => {
  let pipeline: StableDiffusionPipeline;
  before(async () => {
    pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
  });
  after(() => pipeline.release());

  for (const scheduler of ["euler-a", "dpm++2m"] as const) {
    test(`txt2img image i is byte-identical to a run of one with seed + i (${scheduler}, guidance batch 2 × 3)`, async () => {
      const options = { prompt: "a fox", steps: 3, width: 64, height: 48, scheduler };
      const { result: grid, batches } = await unetBatches(() => pipeline.txt2img({ ...options, seed: 41n, count: 3 }));
      assert.deepEqual(batches, [6, 6, 6]);
      assert.equal(grid.images.length, 3);
      assert.deepEqual(grid.images.map((image) => image.seed), [41n, 42n, 43n]);
      assert.equal(grid.png, grid.images[0]!.png);
      for (const [i, image] of grid.images.entries()) {
        const single = await pipeline.txt2img({ ...options, seed: 41n + BigInt(i) });
        assert.ok(single.png.equals(image.png), `image ${i} differs from the single run with seed ${41 + i}`);
        assert.match(readPngText(image.png).parameters ?? "", new RegExp(`Seed: ${41 + i},`));
      }
      assert.ok(!grid.images[0]!.png.equals(grid.images[1]!.png));
    });
  }

  test("img2img image i is byte-identical to a run of one with seed + i (each its own latent draw and noise)", async () => {
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
    const options = { image, prompt: "a flag", steps: 4, strength: 0.5, width: 64, height: 64 };
    const grid = await pipeline.img2img({ ...options, seed: 7n, count: 2 });
    for (const [i, each] of grid.images.entries()) {
      const single = await pipeline.img2img({ ...options, seed: 7n + BigInt(i) });
      assert.ok(single.png.equals(each.png), `image ${i} differs`);
    }
  });

  test("without guidance the batch is count, not 2 × count", async () => {
    const { batches } = await unetBatches(() => pipeline.txt2img({ prompt: "a fox", steps: 2, width: 64, height: 64, guidanceScale: 1, seed: 1n, count: 4 }));
    assert.deepEqual(batches, [4, 4, 4], "2 PLMS steps (the folder's PNDM) are 3 evaluations");
  });

  test("seeds wrap at 2^64, and a count outside 1–8 is refused by name", async () => {
    const grid = await pipeline.txt2img({ prompt: "x", steps: 1, width: 64, height: 64, seed: 2n ** 64n - 1n, count: 2 });
    assert.deepEqual(grid.images.map((image) => image.seed), [2n ** 64n - 1n, 0n]);
    await assert.rejects(pipeline.txt2img({ prompt: "x", count: 9 }), (e: Error) => e instanceof InvalidOptionError && /count/.test(e.message));
    await assert.rejects(pipeline.txt2img({ prompt: "x", count: 0 }), (e: Error) => e instanceof InvalidOptionError && /count/.test(e.message));
  });
});

describe("a grid past maxUnetBatch", () => {
  test("runs in several UNet batches of at most maxUnetBatch rows, with the same bytes", async () => {
    const dir = await syntheticModel("tiny");
    const capped = await StableDiffusionPipeline.load(dir, { executionProviders: "cpu", maxUnetBatch: 4 });
    const whole = await StableDiffusionPipeline.load(dir, { executionProviders: "cpu" });
    try {
      const options = { prompt: "a fox", steps: 2, width: 64, height: 64, seed: 5n, count: 3 };
      const { result: split, batches } = await unetBatches(() => capped.txt2img(options));
      // 2 PLMS steps (the folder's PNDM) are 3 evaluations
      assert.deepEqual(batches, [4, 2, 4, 2, 4, 2], "2 images (× 2 with guidance), then the third, at each evaluation");
      const { result: one, batches: oneRun } = await unetBatches(() => whole.txt2img(options));
      assert.deepEqual(oneRun, [6, 6, 6]);
      for (const [i, image] of split.images.entries()) assert.ok(image.png.equals(one.images[i]!.png), `image ${i}`);
    } finally {
      await capped.release();
      await whole.release();
    }
  });
});

describe("predictNoiseBatch on a UNet whose batch axis is fixed at 1", () => {
  test("runs each image's guidance halves one by one and guides each alone", async () => {
    const fed: number[][] = [];
    // out_sample = sample + the first embedding value: uncond rows get +0, cond rows +1.
    const unet = {
      input: (name: string) => ({ type: "float32", shape: name === "sample" ? [1, 1, 1, 1] : [1] }),
      run: async (feeds: Record<string, { data: ArrayLike<number>; dims: number[] }>) => {
        const sample = Array.from(feeds.sample!.data);
        fed.push(feeds.sample!.dims);
        const text = Number(feeds.encoder_hidden_states!.data[0]);
        return { out_sample: { data: Float32Array.from(sample, (v) => v + text), dims: feeds.sample!.dims } };
      },
    } as unknown as ModelSession;
    const embeddings = { data: Float32Array.from([0, 1]), dims: [2, 1, 1], truncatedTokens: 0 };
    const inputs = { embeddings, withGuidance: true, guidanceScale: 3, latentShape: [1, 1, 1, 1] };
    const out = await predictNoiseBatch(unet, [Float32Array.of(10), Float32Array.of(20)], 1, inputs);
    // uncond + 3·(cond − uncond) = x + 3
    assert.deepEqual(out.map((each) => Array.from(each)), [[13], [23]]);
    assert.deepEqual(fed, [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
  });
});
