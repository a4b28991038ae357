import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { findById, markFailed, reserveGeneration, usageToday } from "../../src/db/generations.ts";
import { freshDb, request, rules, testEngines, type FreshDb } from "./fresh-db.ts";

for (const { engine, skip } of await testEngines()) {
  describe(`a grid's reservation counts its images (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    before(async () => {
      fresh = await freshDb(engine);
    });
    after(() => fresh.cleanup());

    test("a grid of 4 spends 4 of the quota; one that does not fit whole is refused and spends nothing", async () => {
      const userId = "grid";
      const grid = await reserveGeneration(fresh.db, request({ userId, imageCount: 4 }), rules({ dailyLimit: 6 }));
      assert.ok(grid.ok);
      assert.equal(grid.generation.imageCount, 4);
      assert.deepEqual(await findById(fresh.db, grid.generation.id), grid.generation);
      assert.equal((await usageToday(fresh.db, "guild-1", userId, "2024-05-01")).used, 4);
      const tooMany = await reserveGeneration(fresh.db, request({ userId, imageCount: 3 }), rules({ dailyLimit: 6 }));
      assert.deepEqual(tooMany.ok ? "ok" : [tooMany.reason, tooMany.used, tooMany.limit, tooMany.asked], ["quota", 4, 6, 3]);
      assert.equal((await usageToday(fresh.db, "guild-1", userId, "2024-05-01")).used, 4);
      assert.ok((await reserveGeneration(fresh.db, request({ userId, imageCount: 2 }), rules({ dailyLimit: 6 }))).ok);
      // A refunded grid gives all of its images back.
      await markFailed(fresh.db, grid.generation.id, "x", true);
      assert.equal((await usageToday(fresh.db, "guild-1", userId, "2024-05-01")).used, 2);
    });

    test("concurrent grids never reserve past the limit", async () => {
      const userId = "grid-race";
      const results = await Promise.all(Array.from({ length: 20 }, () => reserveGeneration(fresh.db, request({ userId, imageCount: 3 }), rules({ dailyLimit: 10 }))));
      assert.equal(results.filter((r) => r.ok).length, 3);
      assert.equal((await usageToday(fresh.db, "guild-1", userId, "2024-05-01")).used, 9);
    });
  });
}
