import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FleetQueue } from "../../src/fleet/fleet-queue.ts";
import { FleetReconciler } from "../../src/fleet/fleet-reconciler.ts";
import { RoundRobin } from "../../src/jobs/index.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, type GenerationJob } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { NO_LOCAL_MODEL } from "../../src/fleet/no-local-model.ts";
import { freshDb, reserved, type FreshDb } from "../db/fresh-db.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# reconciler: ${skip}`);

describe("Redis restarted empty: the reconciler queues the database's unfinished jobs again", { skip }, () => {
  let fresh: FreshDb;
  let dir: string;
  let env: ReturnType<typeof testPrefix>;
  const closing: Array<() => Promise<void> | void> = [];
  before(async () => {
    fresh = await freshDb();
    dir = mkdtempSync(join(tmpdir(), "reroll-reconcile-"));
    env = testPrefix();
  });
  after(async () => {
    for (const close of closing.reverse()) await close();
    await env.cleanup();
    await fresh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("in their original order, once across two bot processes", async () => {
    const waiting = [];
    for (const userId of ["alice", "alice", "bob", "alice", "carol"]) waiting.push(await reserved(fresh.db, { userId }));
    const bot = () => {
      let queue: FleetQueue<GenerationJob> | undefined;
      const service = new GenerationService({
        db: fresh.db,
        inference: NO_LOCAL_MODEL,
        inputs: new InputStore(join(dir, "inputs")),
        results: new ResultStore(join(dir, "results")),
        logger: createLogger("silent"),
        modelName: "test",
        createQueue: () => (queue = new FleetQueue<GenerationJob>({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, onError: () => undefined })),
      });
      const reconciler = new FleetReconciler({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, requeue: () => service.resume(), intervalMs: 60_000 });
      closing.push(() => reconciler.stop(), () => queue?.close());
      return { service, reconciler };
    };
    const [first, second] = [bot(), bot()];
    assert.equal(await first.service.resume(), waiting.length);
    await first.reconciler.start();
    await second.reconciler.start();
    assert.equal(await first.reconciler.check(), 0, "nothing lost: nothing re-queued");

    await env.cleanup(); // Redis lost everything of this deployment
    const requeued = await Promise.all([first.reconciler.check(), second.reconciler.check()]);
    assert.deepEqual(requeued.sort(), [0, waiting.length], "one process re-queues, the other sees it done");

    const ran: number[] = [];
    await new Promise<void>((resolve) => {
      const worker = new FleetQueue<GenerationJob>({
        redisUrl: TEST_REDIS_URL,
        prefix: env.prefix,
        onError: () => undefined,
        run: async (job) => {
          ran.push(job.generationId);
          if (ran.length === waiting.length) resolve();
        },
      });
      closing.push(() => worker.close());
    });
    const reference = new RoundRobin<number>();
    for (const record of waiting) reference.push(record.userId, record.id);
    assert.deepEqual(ran, reference.order(), "the fair order of the original queue");
  });
});
