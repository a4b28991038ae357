import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { markDelivered, markStored } from "../../src/db/stored-results.ts";
import type { GenerationRecord } from "../../src/db/types.ts";
import { FairJobQueue } from "../../src/jobs/index.ts";
import { createLogger } from "../../src/logger.ts";
import type { GenerationJob } from "../../src/services/generation-job.ts";
import { ResultDelivery } from "../../src/services/result-delivery.ts";
import { freshDb, reserved, type FreshDb } from "../db/fresh-db.ts";

/** A bot process's queue: each job handed to it finishes at once, and its `finished` event reaches that process only. */
class FinishedEvents extends FairJobQueue<GenerationJob> {
  constructor() {
    super({ run: async () => undefined });
  }

  /** This process hears that the job of `record` finished (on a fleet, whichever worker ran it). */
  async finished(record: GenerationRecord): Promise<void> {
    await this.enqueue({ id: String(record.id), generationId: record.id, userId: record.userId, steps: 1, cost: 1 });
    await this.onIdle();
  }
}

/**
 * Which bot process posts a stored result (issue 13's outbox): the one serving the job's server edits its status
 * message and posts its result after its last edit; a process that posted first could see its result overwritten by
 * that process's late status edit (seen in the two-bot e2e: the result's content replaced by "step 3/3").
 */
describe("ResultDelivery: the process serving the job's server posts its result", () => {
  let fresh: FreshDb;
  before(async () => {
    fresh = await freshDb();
  });
  after(async () => {
    await fresh?.cleanup();
  });

  const stored = async (guildId: string): Promise<GenerationRecord> => {
    const job = await reserved(fresh.db, { guildId, interactionId: `i-${guildId}` });
    const record = await markStored(fresh.db, job.id, { runMs: 10, stepMs: 5 });
    assert.ok(record);
    return record;
  };
  /** Two bot processes on one database and one claim store; `a` serves guild "g-a", `b` guild "g-b". */
  const twoBots = () => {
    const claims = new Set<number>();
    const posts: string[] = [];
    const bot = (name: string, guildId: string) => {
      const events = new FinishedEvents();
      const delivery = new ResultDelivery({
        db: fresh.db,
        deliver: async (record) => {
          posts.push(`${name}:${record.guildId}`);
          await markDelivered(fresh.db, record.id, `message-${name}`);
          return true;
        },
        queue: events,
        claim: async (id) => !claims.has(id) && Boolean(claims.add(id)),
        renew: async (id) => claims.has(id),
        servesJob: (record) => record.guildId === guildId,
        logger: createLogger("silent"),
        scanIntervalMs: 60_000,
      });
      return { events, delivery };
    };
    return { a: bot("a", "g-a"), b: bot("b", "g-b"), posts };
  };

  test("the finished event: the other process leaves the post to the serving one", async () => {
    const { a, b, posts } = twoBots();
    await Promise.all([a.delivery.start(), b.delivery.start()]);
    const record = await stored("g-a");
    // b hears it first and is done before a hears it: only its own restraint leaves the post to a.
    await b.events.finished(record);
    await b.delivery.stop();
    await a.events.finished(record);
    await a.delivery.stop();
    assert.deepEqual(posts, ["a:g-a"]);
  });

  test("a scan: the serving process posts at once, another only a result still stored at its next scan", async () => {
    const { a, b, posts } = twoBots();
    const record = await stored("g-a");
    await b.delivery.scan();
    assert.deepEqual(posts, [], "another process's job, just stored: left to it");
    await b.delivery.scan();
    assert.deepEqual(posts, ["b:g-a"], "still stored a scan later (the serving process is down): posted");
    const next = await stored("g-a");
    await a.delivery.scan();
    assert.deepEqual(posts, ["b:g-a", "a:g-a"], "the serving process's first scan posts it");
    assert.notEqual(next.id, record.id);
    await Promise.all([a.delivery.stop(), b.delivery.stop()]);
  });
});
