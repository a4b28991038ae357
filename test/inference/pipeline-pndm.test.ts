/**
 * The pipeline with PNDM (PLMS), the scheduler SD 1.x folders name: the synthesized "tiny" folder carries SD 1.5's
 * scheduler_config.json (PNDMScheduler, skip_prk_steps), so it runs PLMS by default, as diffusers' pipelines do.
 * diffusers runs one UNet evaluation per entry of `scheduler.timesteps`, which PLMS makes steps + 1 long (its second
 * timestep twice); img2img slices that list, so it runs floor(steps · strength) + 1.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { StableDiffusionPipeline } from "../../src/inference/index.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

/** Runs `action` while recording the timestep fed to each UNet run. */
async function unetTimesteps<T>(action: () => Promise<T>): Promise<{ result: T; timesteps: number[] }> {
  const timesteps: number[] = [];
  const original = ModelSession.prototype.run;
  ModelSession.prototype.run = async function (this: ModelSession, feeds, outputNames) {
    if (this.name === "unet") timesteps.push(Number(feeds.timestep!.data[0]));
    return original.call(this, feeds, outputNames);
  };
  try {
    return { result: await action(), timesteps };
  } finally {
    ModelSession.prototype.run = original;
  }
}

describe("pipeline with PNDM on the synthesized SD 1.5 folder", () => {
  let pipeline: StableDiffusionPipeline;
  let image: Buffer;
  before(async () => {
    pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
    image = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 60, b: 30 } } }).png().toBuffer();
  });
  after(() => pipeline.release());

  test("is the folder's default, named PLMS in the PNG, and feeds the UNet PLMS's timesteps (the second twice)", async () => {
    const base = { prompt: "a fox", steps: 4, seed: 7, width: 64, height: 64 };
    const { result, timesteps } = await unetTimesteps(() => pipeline.txt2img(base));
    assert.deepEqual(timesteps, [751, 501, 501, 251, 1]);
    assert.equal(result.timings.unetRuns, 5);
    assert.equal(result.timings.denoiseSteps, 5);
    assert.match(readPngText(result.png).parameters ?? "", /Steps: 4, Sampler: PLMS,/);
    const explicit = await pipeline.txt2img({ ...base, scheduler: "pndm" });
    assert.ok(explicit.png.equals(result.png), "the default is pndm");
    const ddim = await pipeline.txt2img({ ...base, scheduler: "ddim" });
    assert.ok(!ddim.png.equals(result.png), "PLMS gives another image than DDIM");
  });

  test("is deterministic: the same seed gives the same bytes, another seed others", async () => {
    const options = { prompt: "a fox", steps: 3, seed: 11, width: 64, height: 64, scheduler: "pndm" as const };
    const a = await pipeline.txt2img(options);
    assert.ok(a.png.equals((await pipeline.txt2img(options)).png));
    assert.ok(!a.png.equals((await pipeline.txt2img({ ...options, seed: 12 })).png));
    const i2i = { image, prompt: "a flag", steps: 6, strength: 0.5, seed: 3, scheduler: "pndm" as const };
    assert.ok((await pipeline.img2img(i2i)).png.equals((await pipeline.img2img(i2i)).png));
  });

  test("txt2img runs steps + 1 UNet evaluations (1 for a single step)", async () => {
    for (const steps of [1, 2, 5]) {
      const result = await pipeline.txt2img({ prompt: "x", steps, seed: 1, width: 64, height: 64, scheduler: "pndm" });
      assert.equal(result.timings.unetRuns, steps === 1 ? 1 : steps + 1, `${steps} steps`);
    }
  });

  test("img2img starts where get_timesteps slices PLMS's list: floor(steps × strength) + 1 evaluations", async () => {
    for (const [steps, strength, expected] of [
      [10, 0.75, [701, 601, 501, 401, 301, 201, 101, 1]],
      [4, 1, [751, 501, 501, 251, 1]],
      [20, 0.05, [51, 1]],
    ] as const) {
      const { result, timesteps } = await unetTimesteps(() => pipeline.img2img({ image, prompt: "x", steps, strength, seed: 3, scheduler: "pndm", width: 64, height: 64 }));
      assert.deepEqual(timesteps, expected, `${steps} steps at strength ${strength}`);
      assert.equal(result.timings.unetRuns, Math.floor(steps * strength) + 1);
    }
  });
});
