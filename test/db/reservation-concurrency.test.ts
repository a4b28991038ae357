import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createDb, type Db } from "../../src/db/client.ts";
import { reserveGeneration, usageToday } from "../../src/db/generations.ts";
import { freshDb, request, rules, testEngines, type FreshDb } from "./fresh-db.ts";

for (const { engine, skip } of await testEngines()) {
  describe(`reservations from two connections (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    let second: Db;
    before(async () => {
      fresh = await freshDb(engine);
      // Another process's connection (pool) to the same database, as a second bot process has.
      second = createDb(fresh.url);
    });
    after(async () => {
      await second.close();
      await fresh.cleanup();
    });

    test("500 concurrent requests from one member, half on each connection, reserve exactly the daily limit", async () => {
      const userId = "burst";
      const quota = rules({ dailyLimit: 25 });
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, i) => reserveGeneration(i % 2 === 0 ? fresh.db : second, request({ userId }), quota)),
      );
      assert.equal(results.filter((r) => r.ok).length, 25);
      assert.ok(results.every((r) => r.ok || r.reason === "quota"));
      assert.equal(await fresh.db.prisma.generation.count({ where: { userId } }), 25);
      assert.equal((await usageToday(second, "guild-1", userId, quota.day)).used, 25);
    });

    test("the cap across servers holds when one member asks in many servers at once from both connections", async () => {
      const userId = "spread";
      const cap = rules({ maxWaitingEverywhere: 3 });
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => reserveGeneration(i % 2 === 0 ? fresh.db : second, request({ userId, guildId: `g-${i}` }), cap)),
      );
      assert.equal(results.filter((r) => r.ok).length, 3);
      assert.equal(await fresh.db.prisma.generation.count({ where: { userId } }), 3);
    });
  });
}
