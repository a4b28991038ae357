import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { findById } from "../../src/db/generations.ts";
import { markStored } from "../../src/db/stored-results.ts";
import type { FlaggedImageAction } from "../../src/services/policy/index.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, FLAGGED_IMAGE_BLOCKED } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import type { DeliveredResult, JobPresenter } from "../../src/services/job-presenter.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, reserved, type FreshDb } from "../db/fresh-db.ts";

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
