import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { readModelDefaults, readModelFamily, SD15_FAMILY, StableDiffusionPipeline } from "../../src/inference/index.ts";
import { detectFamily } from "../../src/models/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

// The family and defaults read from a folder's files alone must be what the loaded pipeline recognises: the bot
// decides empty options from the first without loading the model.

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "reroll-read-defaults-"));
});
after(() => rm(scratch, { recursive: true, force: true }));

/** tiny with LCM-LoRA's scheduler config (LCMScheduler on an SD 1.5 UNet, as diffusers' LCM-LoRA guide sets it). */
async function lcmLoraFolder(): Promise<string> {
  const dir = join(scratch, "tiny-lcm-lora");
  await cp(await syntheticModel("tiny"), dir, { recursive: true });
  await writeFile(
    join(dir, "scheduler", "scheduler_config.json"),
    JSON.stringify({ _class_name: "LCMScheduler", beta_start: 0.00085, beta_end: 0.012, beta_schedule: "scaled_linear", num_train_timesteps: 1000, original_inference_steps: 50 }),
  );
  return dir;
}

describe("readModelFamily agrees with the loaded pipeline", () => {
  const cases: Array<[string, () => Promise<string>, string]> = [
    ["tiny (SD 1.5)", () => syntheticModel("tiny"), "sd1"],
    ["tiny-sd2", () => syntheticModel("tiny-sd2"), "sd2"],
    ["tiny-turbo", () => syntheticModel("tiny-turbo"), "sd-turbo"],
    ["tiny-lcm", () => syntheticModel("tiny-lcm"), "lcm"],
    ["LCM-LoRA", lcmLoraFolder, "lcm-lora"],
  ];
  for (const [label, folder, family] of cases) {
    test(`${label}: the file-only reading is the loaded pipeline's family and defaults`, async () => {
      const dir = await folder();
      const read = await readModelFamily(dir);
      const pipeline = await StableDiffusionPipeline.load(dir);
      try {
        assert.equal(pipeline.family.name, family);
        assert.equal(read.family.name, pipeline.family.name);
        assert.deepEqual(read.family.defaults, pipeline.defaults);
        assert.deepEqual(await readModelDefaults(dir), pipeline.defaults);
        assert.equal(read.family.timeCondProjDim, pipeline.family.timeCondProjDim);
      } finally {
        await pipeline.release();
      }
    });
  }
});

describe("readModelFamily on folders that say less", () => {
  test("SD-Turbo's img2img default is diffusers' example: 2 steps at strength 0.5", async () => {
    assert.deepEqual((await readModelDefaults(await syntheticModel("tiny-turbo"))).img2img, { steps: 2, strength: 0.5 });
    assert.equal((await readModelDefaults(await syntheticModel("tiny"))).img2img, undefined);
  });

  test("the pipeline's img2img without steps or strength on SD-Turbo takes its img2img default (one denoising step)", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny-turbo"));
    try {
      const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 60, b: 20 } } }).png().toBuffer();
      const result = await pipeline.img2img({ prompt: "a fox", image, seed: 1, maxPixels: 64 * 64 });
      assert.equal(result.timings.denoiseSteps, 1);
    } finally {
      await pipeline.release();
    }
  });

  test("an older export without unet/config.json is SD 1.5, and the reading says what it assumed", async () => {
    // The synthesized folder without its unet/config.json (the synthesizer writes one).
    const older = join(scratch, "older-export");
    await cp(await syntheticModel("tiny"), older, { recursive: true });
    await rm(join(older, "unet", "config.json"));
    const read = await readModelFamily(older);
    assert.equal(read.family.name, "sd1");
    assert.deepEqual(read.family.defaults, { scheduler: "pndm", steps: 30, guidanceScale: 7.5, width: 512, height: 512 });
    assert.ok(read.assumed.some((line) => /no unet\/config\.json/.test(line)), read.assumed.join("; "));
  });

  test("a folder with no configs at all, or a broken scheduler config, falls back to SD 1.5 and says why", async () => {
    const empty = join(scratch, "empty");
    await mkdir(empty, { recursive: true });
    const read = await readModelFamily(empty);
    assert.deepEqual(read.family.defaults, SD15_FAMILY.defaults);
    assert.ok(read.assumed.some((line) => /no scheduler\/scheduler_config\.json/.test(line)), read.assumed.join("; "));

    const broken = join(scratch, "broken");
    await mkdir(join(broken, "scheduler"), { recursive: true });
    await writeFile(join(broken, "scheduler", "scheduler_config.json"), "{ not json");
    const brokenRead = await readModelFamily(broken);
    assert.deepEqual(brokenRead.family.defaults, SD15_FAMILY.defaults);
    assert.match(brokenRead.assumed.join("; "), /not valid JSON.*SD 1\.5's defaults assumed/);
  });

  test("a config-only SD-Turbo folder (no ONNX files) is read as SD-Turbo at its sample size", async () => {
    const dir = join(scratch, "turbo-configs");
    await mkdir(join(dir, "scheduler"), { recursive: true });
    await mkdir(join(dir, "unet"), { recursive: true });
    await writeFile(
      join(dir, "scheduler", "scheduler_config.json"),
      JSON.stringify({ _class_name: "EulerDiscreteScheduler", timestep_spacing: "trailing", prediction_type: "epsilon" }),
    );
    await writeFile(join(dir, "unet", "config.json"), JSON.stringify({ sample_size: 64, cross_attention_dim: 1024, time_cond_proj_dim: null }));
    const read = await readModelFamily(dir);
    assert.equal(read.family.name, "sd-turbo");
    assert.deepEqual(read.family.defaults, { scheduler: "euler", steps: 1, guidanceScale: 0, img2img: { steps: 2, strength: 0.5 }, width: 512, height: 512 });
    assert.deepEqual(read.assumed, []);
    // `models list` names the family by the same reading.
    await writeFile(join(dir, "model_index.json"), JSON.stringify({ _class_name: "ORTStableDiffusionPipeline" }));
    assert.equal(await detectFamily(dir), "sd-turbo");
  });
});
