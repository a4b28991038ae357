import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  findById,
  findByResultMessageId,
  listUnfinished,
  markCancelled,
  markDone,
  markFailed,
  markRunning,
  reserveGeneration,
  setStatusMessage,
  usageToday,
} from "../../src/db/generations.ts";
import { freshDb, request, reserved, rules, testEngines, type FreshDb } from "./fresh-db.ts";

for (const { engine, skip } of await testEngines()) {
  describe(`generation lifecycle (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    before(async () => {
      fresh = await freshDb(engine);
    });
    after(() => fresh.cleanup());

    test("stores every parameter and reads the 64-bit seed back exactly", async () => {
      const maxSeed = 2n ** 64n - 1n;
      const queuedAt = new Date("2024-05-01T12:00:00Z");
      const generation = await reserved(
        fresh.db,
        { kind: "img2img", strength: 0.6, seed: maxSeed, inputHash: "sha256:abc", interactionId: "i-1", interactionToken: "tok" },
        { now: queuedAt },
      );
      assert.equal(generation.status, "queued");
      assert.equal(generation.seed, maxSeed);
      assert.equal(generation.charged, true);
      assert.equal(generation.quotaDay, "2024-05-01");
      assert.deepEqual(generation.queuedAt, queuedAt);
      assert.deepEqual(await findById(fresh.db, generation.id), generation);
      assert.deepEqual(
        { ...generation, id: 0, queuedAt: null },
        {
          ...request({ kind: "img2img", strength: 0.6, seed: maxSeed, inputHash: "sha256:abc", interactionId: "i-1", interactionToken: "tok" }),
          parentId: null,
          imageCount: 1,
          gridIndex: null,
          variationSeed: null,
          variationStrength: null,
          id: 0,
          status: "queued",
          error: null,
          statusMessageId: null,
          resultMessageId: null,
          quotaDay: "2024-05-01",
          charged: true,
          queuedAt: null,
          startedAt: null,
          finishedAt: null,
          queueMs: null,
          runMs: null,
          stepMs: null,
        },
      );
    });

    test("refuses a seed outside the unsigned 64-bit range", async () => {
      await assert.rejects(reserveGeneration(fresh.db, request({ seed: 2n ** 64n }), rules()), RangeError);
      await assert.rejects(reserveGeneration(fresh.db, request({ seed: -1n }), rules()), RangeError);
    });

    test("queued → running → done records timings and the result message, and clears the token", async () => {
      const generation = await reserved(fresh.db, { interactionToken: "tok" }, { now: new Date("2024-05-01T12:00:00Z") });
      assert.equal((await setStatusMessage(fresh.db, generation.id, "status-1"))?.statusMessageId, "status-1");

      const running = await markRunning(fresh.db, generation.id, new Date("2024-05-01T12:00:03Z"));
      assert.equal(running?.status, "running");
      assert.equal(running?.queueMs, 3_000);

      const finishedAt = new Date("2024-05-01T12:00:10Z");
      const done = await markDone(fresh.db, generation.id, "result-1", { runMs: 7_000.4, stepMs: 350, finishedAt });
      assert.equal(done?.status, "done");
      assert.equal(done?.runMs, 7_000);
      assert.equal(done?.stepMs, 350);
      assert.deepEqual(done?.finishedAt, finishedAt);
      assert.equal(done?.interactionToken, null);
      assert.equal(done?.statusMessageId, "status-1");
      assert.deepEqual(await findByResultMessageId(fresh.db, "result-1"), done);
      assert.equal(await findByResultMessageId(fresh.db, "no-such-message"), null);
    });

    test("a finished job does not change state again", async () => {
      const generation = await reserved(fresh.db);
      await markRunning(fresh.db, generation.id);
      await markDone(fresh.db, generation.id, "result-2", { runMs: 1, stepMs: null });
      assert.equal(await markCancelled(fresh.db, generation.id, true), null);
      assert.equal(await markFailed(fresh.db, generation.id, "late", true), null);
      assert.equal(await markRunning(fresh.db, generation.id), null);
      assert.equal((await findById(fresh.db, generation.id))?.status, "done");
      assert.equal(await markRunning(fresh.db, 999_999), null);
    });

    test("a reroll names its parent", async () => {
      const parent = await reserved(fresh.db);
      const reroll = await reserved(fresh.db, { parentId: parent.id, seed: 7n });
      assert.equal(reroll.parentId, parent.id);
      assert.equal(reroll.seed, 7n);
    });
  });

  describe(`refunds (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    before(async () => {
      fresh = await freshDb(engine);
    });
    after(() => fresh.cleanup());

    const day = "2024-05-01";
    const used = async (userId: string) => (await usageToday(fresh.db, "guild-1", userId, day)).used;

    test("a failed run gives its quota back when asked to", async () => {
      const refunded = await reserved(fresh.db, { userId: "fail" });
      const kept = await reserved(fresh.db, { userId: "fail" });
      assert.equal(await used("fail"), 2);
      await markRunning(fresh.db, refunded.id);
      const failed = await markFailed(fresh.db, refunded.id, "The model ran out of memory", true);
      assert.equal(failed?.status, "failed");
      assert.equal(failed?.error, "The model ran out of memory");
      assert.equal(failed?.charged, false);
      assert.equal((await markFailed(fresh.db, kept.id, "Bad input", false))?.charged, true);
      assert.equal(await used("fail"), 1);
    });

    test("cancelling before the start refunds; after the start it does not", async () => {
      const queued = await reserved(fresh.db, { userId: "cancel" });
      const started = await reserved(fresh.db, { userId: "cancel" });
      await markRunning(fresh.db, started.id);

      const cancelledQueued = await markCancelled(fresh.db, queued.id, true);
      assert.equal(cancelledQueued?.status, "cancelled");
      assert.equal(cancelledQueued?.charged, false);

      const cancelledRunning = await markCancelled(fresh.db, started.id, true);
      assert.equal(cancelledRunning?.status, "cancelled");
      assert.equal(cancelledRunning?.charged, true);
      assert.equal(await used("cancel"), 1);
    });

    test("cancelling without refund keeps the charge", async () => {
      const queued = await reserved(fresh.db, { userId: "no-refund" });
      assert.equal((await markCancelled(fresh.db, queued.id, false))?.charged, true);
      assert.equal(await used("no-refund"), 1);
    });
  });

  describe(`listUnfinished (${engine})`, { skip }, () => {
    test("returns queued and running jobs in queue order, for resuming after a restart", async () => {
      const fresh = await freshDb(engine);
      try {
        const at = (second: number) => ({ now: new Date(Date.UTC(2024, 4, 1, 12, 0, second)) });
        const third = await reserved(fresh.db, { userId: "c" }, at(30));
        const first = await reserved(fresh.db, { userId: "a" }, at(10));
        const done = await reserved(fresh.db, { userId: "d" }, at(5));
        const second = await reserved(fresh.db, { userId: "b" }, at(20));
        const cancelled = await reserved(fresh.db, { userId: "e" }, at(1));
        await markRunning(fresh.db, second.id);
        await markDone(fresh.db, done.id, "r", { runMs: 1, stepMs: 1 });
        await markCancelled(fresh.db, cancelled.id, true);

        const unfinished = await listUnfinished(fresh.db);
        assert.deepEqual(
          unfinished.map((g) => [g.id, g.status]),
          [
            [first.id, "queued"],
            [second.id, "running"],
            [third.id, "queued"],
          ],
        );
      } finally {
        await fresh.cleanup();
      }
    });
  });
}
