import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenerationCancelledError, InferenceClient, InferenceShuttingDownError, InferenceWorkerCrashedError, InvalidOptionError, ModelFolderError, StableDiffusionPipeline } from "../../src/inference/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

describe("the inference worker thread", () => {
  let client: InferenceClient;
  let modelDir: string;
  before(async () => {
    modelDir = await syntheticModel("tiny");
    client = await InferenceClient.start({ modelDir, loadOptions: { executionProviders: "cpu" } });
  });
  after(() => client.close());

  test("gives the same PNG bytes as the pipeline run in-process, with progress per step", async () => {
    const options = { prompt: "a harbour", steps: 3, seed: 99n, width: 64, height: 64 };
    const steps: number[] = [];
    const viaWorker = await client.generate({ mode: "txt2img", options }, { onProgress: (e) => steps.push(e.step) });
    const pipeline = await StableDiffusionPipeline.load(modelDir, { executionProviders: "cpu" });
    try {
      const inProcess = await pipeline.txt2img(options);
      assert.ok(Buffer.from(viaWorker.png).equals(inProcess.png));
    } finally {
      await pipeline.release();
    }
    assert.deepEqual(steps, [1, 2, 3, 4], "one event per UNet evaluation: PLMS, the folder's scheduler, evaluates 3 steps 4 times");
    assert.equal(viaWorker.seed, 99n);
  });

  test("an abort stops the run in the worker, and the next job runs normally", async () => {
    const controller = new AbortController();
    const run = client.generate(
      { mode: "txt2img", options: { prompt: "x", steps: 50, seed: 1, width: 64, height: 64 } },
      { signal: controller.signal, onProgress: (e) => e.step === 2 && controller.abort() },
    );
    await assert.rejects(run, GenerationCancelledError);
    const next = await client.generate({ mode: "txt2img", options: { prompt: "y", steps: 2, seed: 2, width: 64, height: 64 } });
    assert.equal(next.timings.denoiseSteps, 3, "2 PLMS steps, 3 evaluations");
  });

  test("jobs sent at once run one after another, each with its own result", async () => {
    const seeds = [1n, 2n, 3n];
    const results = await Promise.all(seeds.map((seed) => client.generate({ mode: "txt2img", options: { prompt: "z", steps: 2, seed, width: 64, height: 64 } })));
    assert.deepEqual(results.map((r) => r.seed), seeds);
    assert.equal(new Set(results.map((r) => Buffer.from(r.png).toString("base64"))).size, 3);
  });

  test("user errors cross the thread boundary as the library's error classes", async () => {
    await assert.rejects(client.generate({ mode: "txt2img", options: { prompt: "x", steps: 0 } }), InvalidOptionError);
  });

  test("close() mid-run stops the running job and the waiting ones with a shutdown error, not a cancel, and the worker exits cleanly", async () => {
    const own = await InferenceClient.start({ modelDir, loadOptions: { executionProviders: "cpu" } });
    let closing: Promise<void> | undefined;
    const running = own.generate(
      { mode: "txt2img", options: { prompt: "x", steps: 50, seed: 1, width: 64, height: 64 } },
      { onProgress: (e) => void (e.step === 1 && (closing = own.close())) },
    );
    const waiting = own.generate({ mode: "txt2img", options: { prompt: "y", steps: 2, seed: 2, width: 64, height: 64 } });
    // A stop is not a member's cancel: callers keep the job for the next start instead of marking it cancelled.
    const stoppedByShutdown = (error: unknown) => error instanceof InferenceShuttingDownError && !(error instanceof GenerationCancelledError);
    await Promise.all([assert.rejects(running, stoppedByShutdown), assert.rejects(waiting, stoppedByShutdown)]);
    await closing;
    await assert.rejects(own.generate({ mode: "txt2img", options: { prompt: "z" } }), (e: Error) => e instanceof InferenceShuttingDownError && /closed/.test(e.message));
  });

  test("a worker that dies fails its running job with InferenceWorkerCrashedError, and the next job gets a fresh worker", async () => {
    // A test-only worker entry: it answers like the real one but exits on the prompt "exit" (as an out-of-memory
    // kill would), without ever being inside an ORT run.
    const own = await InferenceClient.start({ modelDir, loadOptions: {}, workerModule: new URL("./fixtures/exiting-worker.ts", import.meta.url) });
    try {
      await assert.rejects(own.generate({ mode: "txt2img", options: { prompt: "exit" } }), (e: Error) => e instanceof InferenceWorkerCrashedError && /code 7/.test(e.message));
      const next = await own.generate({ mode: "txt2img", options: { prompt: "fine", seed: 5n } });
      assert.equal(next.seed, 5n);
    } finally {
      await own.close();
    }
  });

  test("a folder that is not a model fails to start with a message naming what is missing", async () => {
    const empty = await mkdtemp(join(tmpdir(), "reroll-empty-model-"));
    try {
      await assert.rejects(InferenceClient.start({ modelDir: empty, loadOptions: {} }), (e: Error) => e instanceof ModelFolderError && /unet\/model\.onnx/.test(e.message));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
