import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { lastRequestAt, markCancelled, markDone, markRunning, reserveGeneration, usageToday } from "../../src/db/generations.ts";
import { quotaDay } from "../../src/db/quota-day.ts";
import { blockUser, resetUsage, unblockUser } from "../../src/db/settings.ts";
import { freshDb, request, reserved, rules, testEngines, type FreshDb } from "./fresh-db.ts";

for (const { engine, skip } of await testEngines()) {
  describe(`reserveGeneration (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    before(async () => {
      fresh = await freshDb(engine);
    });
    after(() => fresh.cleanup());

    test("200 concurrent requests from one member reserve exactly the daily limit", async () => {
      const userId = "spammer";
      const results = await Promise.all(
        Array.from({ length: 200 }, () => reserveGeneration(fresh.db, request({ userId }), rules({ dailyLimit: 25 }))),
      );
      const accepted = results.filter((r) => r.ok);
      assert.equal(accepted.length, 25);
      assert.ok(results.every((r) => r.ok || r.reason === "quota"));
      assert.equal(await fresh.db.prisma.generation.count({ where: { userId } }), 25);
      assert.equal((await usageToday(fresh.db, "guild-1", userId, "2024-05-01")).used, 25);
    });

    test("a quota refusal says how much was used, the limit and when it resets", async () => {
      const resetsAt = new Date("2024-05-02T00:00:00Z");
      await reserved(fresh.db, { userId: "q" }, { dailyLimit: 1 });
      const refused = await reserveGeneration(fresh.db, request({ userId: "q" }), rules({ dailyLimit: 1, resetsAt }));
      assert.deepEqual(refused, { ok: false, reason: "quota", used: 1, limit: 1, retryAt: resetsAt });
      // No limit: anything goes; another member and another server have their own count.
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "q" }), rules({ dailyLimit: null }))).ok);
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "q2" }), rules({ dailyLimit: 1 }))).ok);
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "q", guildId: "guild-2" }), rules({ dailyLimit: 1 }))).ok);
    });

    test("quota days follow the server's time zone", async () => {
      // 10:00 and 23:30 UTC on May 1st: one day in UTC, but 23:30 UTC is already May 2nd in Tokyo.
      const morning = new Date("2024-05-01T10:00:00Z");
      const late = new Date("2024-05-01T23:30:00Z");
      const ask = (guildId: string, timeZone: string, now: Date) =>
        reserveGeneration(fresh.db, request({ guildId, userId: "tz" }), rules({ dailyLimit: 1, day: quotaDay(now, timeZone), now }));

      assert.ok((await ask("guild-utc", "UTC", morning)).ok);
      const utcLate = await ask("guild-utc", "UTC", late);
      assert.equal(utcLate.ok ? "ok" : utcLate.reason, "quota");

      assert.ok((await ask("guild-tokyo", "Asia/Tokyo", morning)).ok);
      assert.ok((await ask("guild-tokyo", "Asia/Tokyo", late)).ok, "a new day has begun in Tokyo");
      assert.equal((await usageToday(fresh.db, "guild-tokyo", "tz", "2024-05-02")).used, 1);
      assert.equal((await usageToday(fresh.db, "guild-utc", "tz", "2024-05-01")).used, 1);
    });

    test("the cap across servers counts a member's waiting jobs in every server, running ones not, before charging", async () => {
      const cap = { maxWaitingEverywhere: 3 };
      const first = await reserved(fresh.db, { userId: "everywhere", guildId: "guild-a" }, cap);
      await reserved(fresh.db, { userId: "everywhere", guildId: "guild-b" }, cap);
      await reserved(fresh.db, { userId: "everywhere", guildId: "guild-c" }, cap);
      const refused = await reserveGeneration(fresh.db, request({ userId: "everywhere", guildId: "guild-d" }), rules(cap));
      assert.deepEqual(refused, { ok: false, reason: "global-queue-cap", limit: 3 });
      assert.equal(await fresh.db.prisma.generation.count({ where: { userId: "everywhere" } }), 3, "nothing charged for the refusal");
      // Another member is not affected; a job that started no longer waits.
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "elsewhere", guildId: "guild-d" }), rules(cap))).ok);
      await markRunning(fresh.db, first.id);
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "everywhere", guildId: "guild-d" }), rules(cap))).ok);
    });

    test("refunded jobs do not count against the quota", async () => {
      const first = await reserved(fresh.db, { userId: "refund" }, { dailyLimit: 1 });
      await markCancelled(fresh.db, first.id, true);
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "refund" }), rules({ dailyLimit: 1 }))).ok);
    });

    test("the queue cap counts queued and running jobs, not finished ones", async () => {
      const capped = rules({ maxQueued: 2 });
      const a = await reserved(fresh.db, { userId: "cap" }, capped);
      await reserved(fresh.db, { userId: "cap" }, capped);
      await markRunning(fresh.db, a.id);
      assert.deepEqual(await reserveGeneration(fresh.db, request({ userId: "cap" }), capped), {
        ok: false,
        reason: "queue-cap",
        limit: 2,
      });
      await markDone(fresh.db, a.id, "cap-result", { runMs: 1, stepMs: 1 });
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "cap" }), capped)).ok);
    });

    test("a cooldown refuses until the last request is old enough and says when", async () => {
      const t0 = new Date("2024-05-01T12:00:00Z");
      const at = (ms: number) => rules({ cooldownMs: 10_000, now: new Date(t0.getTime() + ms) });
      await reserved(fresh.db, { userId: "cool" }, { cooldownMs: 10_000, now: t0 });
      assert.deepEqual(await lastRequestAt(fresh.db, "guild-1", "cool"), t0);
      assert.deepEqual(await reserveGeneration(fresh.db, request({ userId: "cool" }), at(4_000)), {
        ok: false,
        reason: "cooldown",
        retryAt: new Date(t0.getTime() + 10_000),
      });
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "cool" }), at(10_000))).ok);
      assert.equal(await lastRequestAt(fresh.db, "guild-1", "never-asked"), null);
    });

    test("a blocked member is refused until unblocked", async () => {
      await blockUser(fresh.db, "guild-1", "blocked", "spam");
      assert.deepEqual(await reserveGeneration(fresh.db, request({ userId: "blocked" }), rules()), { ok: false, reason: "blocked" });
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "blocked", guildId: "guild-2" }), rules())).ok);
      await unblockUser(fresh.db, "guild-1", "blocked");
      assert.ok((await reserveGeneration(fresh.db, request({ userId: "blocked" }), rules())).ok);
    });

    test("resetting usage forgives what was charged before the reset", async () => {
      const quota = { dailyLimit: 2, now: new Date("2024-05-01T09:00:00Z") };
      await reserved(fresh.db, { userId: "reset" }, quota);
      await reserved(fresh.db, { userId: "reset" }, quota);
      assert.equal((await reserveGeneration(fresh.db, request({ userId: "reset" }), rules(quota))).ok, false);

      await resetUsage(fresh.db, "guild-1", "reset", new Date("2024-05-01T10:00:00Z"));
      assert.equal((await usageToday(fresh.db, "guild-1", "reset", "2024-05-01")).used, 0);
      const after = { dailyLimit: 2, now: new Date("2024-05-01T11:00:00Z") };
      await reserved(fresh.db, { userId: "reset" }, after);
      await reserved(fresh.db, { userId: "reset" }, after);
      const refused = await reserveGeneration(fresh.db, request({ userId: "reset" }), rules(after));
      assert.equal(refused.ok ? "ok" : refused.reason, "quota");
    });
  });
}
