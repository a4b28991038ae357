import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { ensureSyntheticModel } from "../../scripts/synthesize/index.ts";
import { SYNTHETIC_MODEL_DIR, SYNTHETIC_MODEL_NAME } from "../../src/config.ts";
import type { GenerationRecord } from "../../src/db/types.ts";
import { resultEmbed } from "../../src/discord/presenters/job-messages.ts";
import { StableDiffusionPipeline } from "../../src/inference/index.ts";

const job = (model: string) => ({ id: 7, kind: "txt2img", prompt: "a fox", negativePrompt: "", steps: 2, guidance: 7.5, scheduler: "ddim", width: 64, height: 64, parentId: null, model }) as GenerationRecord;
const result = { png: Buffer.alloc(0), seed: 1n, runMs: 10, msPerStep: 5, warnings: [] };

test("a result drawn by the synthesized model says so in its card; one from a real model does not", () => {
  const note = resultEmbed(job(SYNTHETIC_MODEL_NAME), result, "r.png").fields?.find((f) => f.name === "Model");
  assert.match(note?.value ?? "", /synthetic test model \(MODEL=synthetic\): random weights, so the image is noise/);
  assert.equal(resultEmbed(job("stable-diffusion-v1-5-onnx"), result, "r.png").fields?.find((f) => f.name === "Model"), undefined);
});

test("the name checked is the name the pipeline records for the synthesized model's folder", { timeout: 60_000 }, async () => {
  const dir = join(tmpdir(), `reroll-note-${process.pid}`, basename(SYNTHETIC_MODEL_DIR));
  try {
    const pipeline = await StableDiffusionPipeline.load(await ensureSyntheticModel(dir, "tiny"), { executionProviders: "cpu" });
    assert.equal(pipeline.model.name, SYNTHETIC_MODEL_NAME);
    await pipeline.release();
  } finally {
    await rm(join(dir, ".."), { recursive: true, force: true });
  }
});
