import { test } from "node:test";
import assert from "node:assert/strict";
import { InferenceClient, StableDiffusionPipeline, type ModelLoadedEvent } from "../../src/inference/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

const options = { prompt: "a harbour", steps: 2, seed: 5n, width: 64, height: 64 };

test("one model resident: a job on another folder loads it (timed) in place of the first; each gives its own model's image", async () => {
  const first = await syntheticModel("tiny");
  const second = await syntheticModel("tiny-optimum");
  const client = await InferenceClient.start({ modelDir: first, loadOptions: { executionProviders: "cpu" } });
  try {
    assert.ok(((await client.info()).loadMs ?? -1) >= 0, "the startup load is timed");
    const loads: ModelLoadedEvent[] = [];
    const onModelLoaded = (e: ModelLoadedEvent) => loads.push(e);
    const onFirst = await client.generate({ mode: "txt2img", options }, { onModelLoaded });
    assert.equal(loads.length, 0, "the startup model is resident");
    const onSecond = await client.generate({ mode: "txt2img", options, modelDir: second }, { onModelLoaded });
    assert.deepEqual(loads.map((e) => e.modelDir), [second]);
    assert.ok(loads[0]!.ms >= 0);
    // Budget 1: the first model was released, so going back loads it again.
    await client.generate({ mode: "txt2img", options, modelDir: first }, { onModelLoaded });
    assert.deepEqual(loads.map((e) => e.modelDir), [second, first]);

    const reference = await StableDiffusionPipeline.load(second, { executionProviders: "cpu" });
    try {
      assert.ok(Buffer.from(onSecond.png).equals((await reference.txt2img(options)).png), "the second folder's model made it");
    } finally {
      await reference.release();
    }
    assert.ok(!Buffer.from(onFirst.png).equals(Buffer.from(onSecond.png)));
  } finally {
    await client.close();
  }
});

test("a budget of two keeps both resident; load() warms a folder up and unload() releases it", async () => {
  const first = await syntheticModel("tiny");
  const second = await syntheticModel("tiny-optimum");
  const client = await InferenceClient.start({ modelDir: first, maxResidentModels: 2, loadOptions: { executionProviders: "cpu" } });
  try {
    const loads: string[] = [];
    const onModelLoaded = (e: ModelLoadedEvent) => loads.push(e.modelDir);
    await client.load(second, { onModelLoaded });
    assert.deepEqual(loads, [second]);
    await client.generate({ mode: "txt2img", options, modelDir: second }, { onModelLoaded });
    await client.generate({ mode: "txt2img", options }, { onModelLoaded });
    assert.deepEqual(loads, [second], "both stayed resident");
    await client.unload(second);
    await client.generate({ mode: "txt2img", options, modelDir: second }, { onModelLoaded });
    assert.deepEqual(loads, [second, second], "released, so loaded again");
  } finally {
    await client.close();
  }
});

test("a job on a folder that is not a model fails with the folder's problem, and the worker goes on", async () => {
  const client = await InferenceClient.start({ modelDir: await syntheticModel("tiny"), loadOptions: { executionProviders: "cpu" } });
  try {
    await assert.rejects(client.generate({ mode: "txt2img", options, modelDir: "/nonexistent/model" }), /not a complete Stable Diffusion ONNX export/);
    const after = await client.generate({ mode: "txt2img", options });
    assert.equal(after.seed, 5n);
  } finally {
    await client.close();
  }
});
