import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createDb, type Db } from "../../src/db/client.ts";
import { FLEET_QUEUE_NAME, FleetQueue } from "../../src/fleet/fleet-queue.ts";
import { NO_LOCAL_MODEL } from "../../src/fleet/no-local-model.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, type GenerationJob } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, request, rules, testEngines, type FreshDb } from "../db/fresh-db.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";

const redisSkip = await redisUnavailable();
if (redisSkip) console.log(`# quota-two-bots: ${redisSkip}`);

for (const { engine, skip } of await testEngines()) {
  describe(`two bot processes on one fleet (${engine})`, { skip: redisSkip ?? skip }, () => {
    let fresh: FreshDb;
    let second: Db;
    let dir: string;
    let env: ReturnType<typeof testPrefix>;
    const queues: Array<FleetQueue<GenerationJob>> = [];
    before(async () => {
      fresh = await freshDb(engine);
      second = createDb(fresh.url); // the other process's own connection pool
      dir = mkdtempSync(join(tmpdir(), "reroll-two-bots-"));
      env = testPrefix();
    });
    after(async () => {
      await Promise.all(queues.map((q) => q.close()));
      await env.cleanup();
      await second.close();
      await fresh.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    const bot = (db: Db) =>
      new GenerationService({
        db,
        inference: NO_LOCAL_MODEL,
        inputs: new InputStore(join(dir, "inputs")),
        results: new ResultStore(join(dir, "results")),
        logger: createLogger("silent"),
        modelName: "test",
        createQueue: () => {
          const queue = new FleetQueue<GenerationJob>({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, onError: () => undefined });
          queues.push(queue);
          return queue;
        },
      });

    test("500 simultaneous commands of one member over both: exactly the daily quota is queued on Redis", async () => {
      const [one, two] = [bot(fresh.db), bot(second)];
      const quota = rules({ dailyLimit: 20 });
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, i) => (i % 2 ? one : two).submit(request({ userId: "burst" }), quota)),
      );
      assert.equal(results.filter((r) => r.ok).length, 20);
      assert.ok(results.every((r) => r.ok || r.reason === "quota"));
      const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      const queue = new Queue(FLEET_QUEUE_NAME, { connection, prefix: env.prefix });
      try {
        const counts = await queue.getJobCounts("prioritized", "wait", "active");
        assert.equal((counts.prioritized ?? 0) + (counts.wait ?? 0) + (counts.active ?? 0), 20, "20 jobs on Redis, no more");
      } finally {
        await queue.close();
        connection.disconnect();
      }
      assert.equal(await fresh.db.prisma.generation.count({ where: { userId: "burst" } }), 20);
    });
  });
}
