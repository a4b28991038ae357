import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { StableDiffusionPipeline } from "../../src/inference/index.ts";
import { downloadHubModel } from "../../src/models/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { REPO, startHubWithModel } from "./hub-model.ts";

/** Draws the same small image from a folder: equal pixels mean equal models (the PNG also names the folder). */
async function draw(dir: string): Promise<Buffer> {
  const pipeline = await StableDiffusionPipeline.load(dir, { executionProviders: "cpu" });
  try {
    const result = await pipeline.txt2img({ prompt: "a watercolor fox", steps: 2, seed: 42, width: 64, height: 64 });
    assert.equal(result.png.subarray(1, 4).toString(), "PNG");
    return Buffer.from(result.image.data);
  } finally {
    await pipeline.release();
  }
}

test("a model downloaded from the hub (after a cut connection) draws the same image as the folder it was uploaded from", { timeout: 120_000 }, async () => {
  const { hub, modelsDir } = await startHubWithModel();
  try {
    hub.cutOnce(REPO, "unet/weights.pb", 50_000);
    const { dir } = await downloadHubModel({ modelsDir, repo: REPO, revision: "main", precision: "fp32", hub: { hubUrl: hub.hubUrl } });
    const downloaded = await draw(dir);
    assert.equal(downloaded.length, 64 * 64 * 3);
    assert.ok(downloaded.equals(await draw(await syntheticModel("tiny"))));
  } finally {
    await hub.close();
    await rm(modelsDir, { recursive: true, force: true });
  }
});
