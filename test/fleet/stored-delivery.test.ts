import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { findById } from "../../src/db/generations.ts";
import { markStored } from "../../src/db/stored-results.ts";
import { resultEmbed } from "../../src/discord/presenters/job-messages.ts";
import { InferenceClient } from "../../src/inference/index.ts";
import type { FlaggedImageAction } from "../../src/services/policy/index.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, FLAGGED_IMAGE_BLOCKED } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import type { DeliveredResult, JobPresenter } from "../../src/services/job-presenter.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, reserved, testEngines, type FreshDb } from "../db/fresh-db.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

/**
 * A worker stores a flagged image with its flag and decides nothing (it cannot read the channel): the bot process
 * that posts it applies the server's policy.
 */
describe("GenerationService.deliverStored: a flagged stored result under the server's policy", () => {
  let fresh: FreshDb;
  let dir: string;
  before(async () => {
    fresh = await freshDb();
    dir = mkdtempSync(join(tmpdir(), "reroll-stored-"));
  });
  after(async () => {
    await fresh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const setUp = async (action: FlaggedImageAction, interactionId: string) => {
    const results = new ResultStore(join(dir, "results"));
    const delivered: DeliveredResult[] = [];
    const failed: string[] = [];
    const presenter: JobPresenter = {
      showQueued: () => undefined,
      showProgress: () => undefined,
      deliverResult: async (_job, result) => (delivered.push(result), "message-1"),
      resultRecorded: async () => undefined,
      showFailed: async (_job, message) => void failed.push(message),
      showCancelled: async () => undefined,
    };
    const service = new GenerationService({
      db: fresh.db,
      inference: { generate: () => Promise.reject(new Error("no model here")) },
      inputs: new InputStore(join(dir, "inputs")),
      results,
      logger: createLogger("silent"),
      modelName: "test",
      flaggedImageAction: async () => action,
    });
    service.setPresenter(presenter);
    const job = await reserved(fresh.db, { interactionId });
    await results.put(job.id, Buffer.from("png"), { flagged: true });
    const stored = await markStored(fresh.db, job.id, { runMs: 10, stepMs: 5 });
    assert.ok(stored);
    return { service, stored, results, delivered, failed };
  };

  test("policy block: not posted, failed with the blocked message, refunded, the image deleted", async () => {
    const { service, stored, results, delivered, failed } = await setUp("block", "i-block");
    assert.equal(await service.deliverStored(stored), true);
    assert.deepEqual(delivered, []);
    assert.deepEqual(failed, [FLAGGED_IMAGE_BLOCKED]);
    const record = await findById(fresh.db, stored.id);
    assert.equal(record?.status, "failed");
    assert.equal(record?.charged, false);
    assert.equal(await results.get(stored.id), undefined);
  });

  test("policy spoiler: posted as a spoiler and marked done with its message", async () => {
    const { service, stored, delivered } = await setUp("spoiler", "i-spoiler");
    assert.equal(await service.deliverStored(stored), true);
    assert.deepEqual(
      delivered.map((d) => d.spoiler),
      [true],
    );
    const record = await findById(fresh.db, stored.id);
    assert.equal(record?.status, "done");
    assert.equal(record?.resultMessageId, "message-1");
    assert.equal(record?.interactionToken, null);
  });
});

/** A presenter that keeps what it is asked to post (each post a message of its own). */
function recordingPresenter(delivered: DeliveredResult[]): JobPresenter {
  return {
    showQueued: () => undefined,
    showProgress: () => undefined,
    deliverResult: async (job, result) => (delivered.push(result), `message-${job.id}`),
    resultRecorded: async () => undefined,
    showFailed: async () => undefined,
    showCancelled: async () => undefined,
  };
}

/**
 * A worker's run may leave notes for the member (a prompt cut at CLIP's 77 tokens): the bot process that posts the
 * stored result shows them as a single process shows a fresh one's, though only the database links the two.
 */
for (const { engine, skip } of await testEngines()) {
  describe(`a stored result keeps the run's warnings (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    let dir: string;
    let inference: InferenceClient;
    before(async () => {
      fresh = await freshDb(engine);
      dir = mkdtempSync(join(tmpdir(), "reroll-stored-warnings-"));
      inference = await InferenceClient.start({ modelDir: await syntheticModel("tiny"), loadOptions: { executionProviders: "cpu" } });
    });
    after(async () => {
      await inference?.close();
      await fresh?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test("a prompt over 77 tokens, run by a worker's service (storeOnly), is posted by the bot's with its note", async () => {
      const stores = { inputs: new InputStore(join(dir, "inputs")), results: new ResultStore(join(dir, "results")), logger: createLogger("silent") };
      const job = await reserved(fresh.db, { interactionId: "i-long", prompt: "word ".repeat(120), steps: 1, width: 64, height: 64, model: "test" });
      const worker = new GenerationService({ db: fresh.db, inference, ...stores, modelName: "test", storeOnly: true });
      await worker.resume();
      await worker.onIdle();
      await worker.stop();
      const stored = await findById(fresh.db, job.id);
      assert.equal(stored?.status, "stored");

      // The bot's service shares only the database and the results folder with the worker's.
      const bot = new GenerationService({ db: fresh.db, inference: { generate: () => Promise.reject(new Error("no model here")) }, ...stores, modelName: "test" });
      const delivered: DeliveredResult[] = [];
      bot.setPresenter(recordingPresenter(delivered));
      assert.equal(await bot.deliverStored(stored!), true);
      assert.equal(delivered.length, 1);
      assert.equal(delivered[0]!.warnings.length, 1);
      assert.match(delivered[0]!.warnings[0]!, /longer than CLIP's 77 tokens; the last \d+ were ignored/);
      const note = resultEmbed(stored!, delivered[0]!, "result.png").fields?.find((field) => field.name === "Note");
      assert.equal(note?.value, delivered[0]!.warnings[0]);
      assert.equal((await findById(fresh.db, job.id))?.status, "done");
    });

    test("single process: a result stored before a restart, its post refused, is posted after it with its note", async () => {
      const stores = { inputs: new InputStore(join(dir, "inputs")), results: new ResultStore(join(dir, "results")), logger: createLogger("silent") };
      const job = await reserved(fresh.db, { interactionId: "i-restart", prompt: "word ".repeat(120), steps: 1, width: 64, height: 64, model: "test" });
      const first = new GenerationService({ db: fresh.db, inference, ...stores, modelName: "test" });
      first.setPresenter({ ...recordingPresenter([]), deliverResult: () => Promise.reject(new Error("Discord is down")) });
      await first.resume();
      await first.onIdle();
      await first.stop(); // ends its background retries: the result waits on disk, the job "running"
      assert.equal((await findById(fresh.db, job.id))?.status, "running");

      const restarted = new GenerationService({ db: fresh.db, inference: { generate: () => Promise.reject(new Error("not run again")) }, ...stores, modelName: "test" });
      const delivered: DeliveredResult[] = [];
      restarted.setPresenter(recordingPresenter(delivered));
      await restarted.resume();
      await restarted.onIdle();
      assert.equal((await findById(fresh.db, job.id))?.status, "done");
      assert.equal(delivered.length, 1);
      assert.equal(delivered[0]!.warnings.length, 1);
      assert.match(delivered[0]!.warnings[0]!, /longer than CLIP's 77 tokens/);
    });

    test("a result stored without warnings is posted without a note", async () => {
      const results = new ResultStore(join(dir, "results"));
      const job = await reserved(fresh.db, { interactionId: "i-short" });
      await results.put(job.id, Buffer.from("png"));
      const stored = await markStored(fresh.db, job.id, { runMs: 10, stepMs: 5 });
      const bot = new GenerationService({
        db: fresh.db,
        inference: { generate: () => Promise.reject(new Error("no model here")) },
        inputs: new InputStore(join(dir, "inputs")),
        results,
        logger: createLogger("silent"),
        modelName: "test",
      });
      const delivered: DeliveredResult[] = [];
      bot.setPresenter(recordingPresenter(delivered));
      assert.equal(await bot.deliverStored(stored!), true);
      assert.deepEqual(
        delivered.map((d) => d.warnings),
        [[]],
      );
    });
  });
}
