import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { findById } from "../../src/db/generations.ts";
import { markDelivered, markStored } from "../../src/db/stored-results.ts";
import type { GenerationRecord } from "../../src/db/types.ts";
import { FleetQueue } from "../../src/fleet/fleet-queue.ts";
import type { GenerationJob } from "../../src/services/generation-job.ts";
import { createLogger } from "../../src/logger.ts";
import { ResultDelivery } from "../../src/services/result-delivery.ts";
import { freshDb, reserved, type FreshDb } from "../db/fresh-db.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# delivery claim: ${skip}`);

/**
 * A claim lasts twice the scan interval (ResultDelivery's rule): 4 s here, short enough for the test to let it lapse,
 * and renewed every 1.3 s, so only an event-loop stall of over 2.6 s on a loaded machine could lapse it falsely.
 */
const SCAN_INTERVAL_MS = 2000;
const CLAIM_MS = SCAN_INTERVAL_MS * 2;

/**
 * The outbox's claim (issue 13) on real Redis: a bot process keeps its claim on a result's post as long as the post
 * takes (Discord's rate limits and retries, a large upload), and loses it only by dying.
 */
describe("the claim on a stored result's post", { skip }, () => {
  let fresh: FreshDb;
  let env: ReturnType<typeof testPrefix>;
  const queues: Array<FleetQueue<GenerationJob>> = [];
  before(async () => {
    fresh = await freshDb();
    env = testPrefix();
  });
  after(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    await fresh?.cleanup();
    await env?.cleanup();
  });

  /** One bot process's queue (its Redis connections and claim holder). */
  const botQueue = (): FleetQueue<GenerationJob> => {
    const queue = new FleetQueue<GenerationJob>({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, trackPositions: false, followProgress: false });
    queues.push(queue);
    return queue;
  };
  const stored = async (interactionId: string): Promise<GenerationRecord> => {
    const job = await reserved(fresh.db, { interactionId });
    const record = await markStored(fresh.db, job.id, { runMs: 10, stepMs: 5 });
    assert.ok(record);
    return record;
  };

  test("a post slower than the claim lasts: no other process posts the result meanwhile", async () => {
    const record = await stored("i-slow-post");
    const posts: string[] = [];
    let entered!: () => void;
    const posting = new Promise<void>((resolve) => (entered = resolve));
    let finish!: () => void;
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const delivery = (name: string, deliver: (record: GenerationRecord) => Promise<void>) => {
      const queue = botQueue();
      return new ResultDelivery({
        db: fresh.db,
        deliver: async (claimed) => {
          await deliver(claimed);
          posts.push(name);
          await markDelivered(fresh.db, claimed.id, `message-${name}`);
          return true;
        },
        queue,
        claim: (id, ttlMs) => queue.claimDelivery(String(id), ttlMs),
        renew: (id, ttlMs) => queue.renewDeliveryClaim(String(id), ttlMs),
        logger: createLogger("silent"),
        scanIntervalMs: SCAN_INTERVAL_MS,
      });
    };
    // Bot A's post is held (as Discord answering 429s, or a slow upload) well past the time its claim was taken for.
    const a = delivery("a", async () => {
      entered();
      await slow;
    });
    const b = delivery("b", async () => undefined);
    const aScan = a.scan();
    await posting;
    await sleep(CLAIM_MS * 2);
    // Bot B's scan finds the result still stored: only a claim A still holds keeps B from posting it too.
    await b.scan();
    assert.deepEqual(posts, [], "nobody posted while A's post was under way");
    finish();
    await aScan;
    assert.deepEqual(posts, ["a"], "A posted it, B did not");
    assert.equal((await findById(fresh.db, record.id))?.resultMessageId, "message-a");
    await Promise.all([a.stop(), b.stop()]);
  });

  test("a claim whose holder died (no renewals) passes to another process once it lapses", async () => {
    const dead = botQueue();
    const live = botQueue();
    assert.equal(await dead.claimDelivery("died", CLAIM_MS), true);
    assert.equal(await live.claimDelivery("died", CLAIM_MS), false, "held");
    assert.equal(await live.renewDeliveryClaim("died", CLAIM_MS), false, "another's claim is not renewed");
    await sleep(CLAIM_MS * 2);
    assert.equal(await live.claimDelivery("died", CLAIM_MS), true, "lapsed: taken over");
    assert.equal(await dead.renewDeliveryClaim("died", CLAIM_MS), false, "the old holder gets it back no more");
  });
});
