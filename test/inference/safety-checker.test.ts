import { after, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { StableDiffusionPipeline } from "../../src/inference/index.ts";
import { SafetyChecker, clipPreprocess, parsePreprocessorConfig } from "../../src/inference/pipeline/safety-checker.ts";
import { SD15_PREPROCESSOR_CONFIG } from "../../scripts/synthesize/safety-checker.ts";
import { syntheticModelWithSafetyChecker } from "../helpers/safety-models.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

const folders: string[] = [];
after(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

function solid(width: number, height: number, value: number) {
  return { data: Buffer.alloc(width * height * 3, value), width, height };
}

const sd15 = parsePreprocessorConfig(SD15_PREPROCESSOR_CONFIG);

test("SD 1.5's preprocessor_config.json reads as CLIPImageProcessor's settings", () => {
  assert.equal(sd15.shortestEdge, 224);
  assert.deepEqual(sd15.crop, { width: 224, height: 224 });
  assert.equal(sd15.rescaleFactor, 1 / 255);
  assert.deepEqual(sd15.mean, [0.48145466, 0.4578275, 0.40821073]);
  // Older configs give sizes as plain numbers.
  assert.deepEqual(parsePreprocessorConfig({ size: 256, crop_size: 240 }).crop, { width: 240, height: 240 });
  assert.equal(parsePreprocessorConfig({ size: 256 }).shortestEdge, 256);
});

test("clip_input: shortest side to 224, centre crop, rescale, normalize per channel, NCHW", async () => {
  // 448×224: no resize needed; the crop keeps columns 112..335. Column x carries value x % 256 in red only.
  const width = 448;
  const height = 224;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(y * width + x) * 3] = x % 256;
  const { data: out, dims } = await clipPreprocess({ data, width, height }, sd15);
  assert.deepEqual(dims, [1, 3, 224, 224]);
  const plane = 224 * 224;
  const red = (x: number) => (x / 255 - sd15.mean[0]) / sd15.std[0];
  assert.ok(Math.abs(out[0]! - red(112)) < 1e-6, `first column is column 112: ${out[0]}`);
  assert.ok(Math.abs(out[223]! - red(335 % 256)) < 1e-6);
  // Green is 0 everywhere: (0 − mean) / std in the second plane.
  assert.ok(Math.abs(out[plane + 5]! - (0 - sd15.mean[1]) / sd15.std[1]) < 1e-6);
});

test("clip_input of a 512×768 image: resized so the short side is 224 (long side int(224·768/512) = 336), then cropped", async () => {
  const { data, dims } = await clipPreprocess(solid(512, 768, 255), sd15);
  assert.deepEqual(dims, [1, 3, 224, 224]);
  const white = (1 - sd15.mean[2]) / sd15.std[2];
  assert.ok(Math.abs(data[2 * 224 * 224 + 1000]! - white) < 1e-5);
});

test("the synthesized checker flags by brightness: a bright image is flagged, a dark one is not", async () => {
  const dir = await syntheticModelWithSafetyChecker(0.5);
  folders.push(dir);
  const checker = await SafetyChecker.load(dir);
  assert.ok(checker);
  try {
    assert.equal(await checker.isFlagged(solid(64, 96, 230)), true);
    assert.equal(await checker.isFlagged(solid(64, 96, 20)), false);
  } finally {
    await checker.release();
  }
});

test("a model without safety_checker/ has no checker and its results carry no verdict", async () => {
  assert.equal(await SafetyChecker.load(await syntheticModel("tiny")), undefined);
  const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"));
  try {
    assert.equal(pipeline.hasSafetyChecker, false);
    const result = await pipeline.txt2img({ prompt: "a fox", steps: 2, width: 64, height: 64, seed: 1n });
    assert.equal(result.nsfwFlagged, undefined);
  } finally {
    await pipeline.release();
  }
});

test("the pipeline runs the folder's safety checker on every result and returns its verdict", async () => {
  for (const [flagAbove, expected] of [[-1, true], [2, false]] as const) {
    const dir = await syntheticModelWithSafetyChecker(flagAbove);
    folders.push(dir);
    const pipeline = await StableDiffusionPipeline.load(dir);
    try {
      assert.equal(pipeline.hasSafetyChecker, true);
      const result = await pipeline.txt2img({ prompt: "a fox", steps: 2, width: 64, height: 64, seed: 1n });
      assert.equal(result.nsfwFlagged, expected);
    } finally {
      await pipeline.release();
    }
  }
});
