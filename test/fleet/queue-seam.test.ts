import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { findById } from "../../src/db/generations.ts";
import type { GenerationRecord } from "../../src/db/types.ts";
import { FairJobQueue, type JobQueue, type JobRunner } from "../../src/jobs/index.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, type GenerationJob, type InferenceBackend } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import type { JobPresenter } from "../../src/services/job-presenter.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, reserved, rules, request, type FreshDb } from "../db/fresh-db.ts";

/** The in-process queue behind answers that come a macrotask later, as a queue on Redis answers. */
function remoteLike(run: JobRunner<GenerationJob>, enqueued: string[]): JobQueue<GenerationJob> {
  const inner = new FairJobQueue<GenerationJob>({ run, maxWaitingPerUser: Infinity });
  const later = <T>(value: () => T) => new Promise<T>((resolve) => setImmediate(() => resolve(value())));
  const queue: JobQueue<GenerationJob> = {
    enqueue: (job, options) => later(() => (enqueued.push(job.id), inner.enqueue(job, options))),
    cancel: (id) => later(() => inner.cancel(id)),
    etaMs: (id) => inner.etaMs(id),
    pause: () => later(() => inner.pause()),
    start: () => later(() => inner.start()),
    onIdle: () => inner.onIdle(),
    on(event, listener) {
      inner.on(event, listener);
      return queue;
    },
    off(event, listener) {
      inner.off(event, listener);
      return queue;
    },
  };
  return queue;
}

const instant: InferenceBackend = {
  generate: async (request, { onProgress }) => {
    onProgress?.({ step: 1, totalSteps: 1 });
    const png = Buffer.from("png");
    const seed = ("seed" in request.options ? request.options.seed : undefined) ?? 0n;
    return { png, seed, images: [{ png, seed }], warnings: [], timings: { msPerStep: 1 } } as never;
  },
};

function recordingPresenter(delivered: number[]): JobPresenter {
  return {
    showQueued: () => undefined,
    showProgress: () => undefined,
    deliverResult: async (job: GenerationRecord) => (delivered.push(job.id), `result-${job.id}`),
    resultRecorded: async () => undefined,
    showFailed: async () => undefined,
    showCancelled: async () => undefined,
  };
}

describe("GenerationService behind the JobQueue seam", () => {
  let fresh: FreshDb;
  let dir: string;
  before(async () => {
    fresh = await freshDb();
    dir = mkdtempSync(join(tmpdir(), "reroll-seam-"));
  });
  after(async () => {
    await fresh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("jobs go through the injected queue, resumed ones in their original order, and are delivered", async () => {
    const waiting = [await reserved(fresh.db, { userId: "a" }), await reserved(fresh.db, { userId: "b" }), await reserved(fresh.db, { userId: "a" })];
    const enqueued: string[] = [];
    const delivered: number[] = [];
    const service = new GenerationService({
      db: fresh.db,
      inference: instant,
      inputs: new InputStore(join(dir, "inputs")),
      results: new ResultStore(join(dir, "results")),
      logger: createLogger("silent"),
      modelName: "test",
      createQueue: (run) => remoteLike(run, enqueued),
    });
    service.setPresenter(recordingPresenter(delivered));
    assert.equal(await service.resume(), 3);
    const submitted = await service.submit({ ...request({ userId: "c" }) }, rules());
    assert.ok(submitted.ok);
    await service.onIdle();
    assert.deepEqual(enqueued, [...waiting.map((g) => String(g.id)), String(submitted.generation.id)]);
    assert.deepEqual(delivered.sort(), [...waiting.map((g) => g.id), submitted.generation.id].sort());
    assert.equal((await findById(fresh.db, submitted.generation.id))?.status, "done");
    await service.stop();
  });
});
