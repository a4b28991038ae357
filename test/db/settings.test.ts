import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  DEFAULT_GUILD_SETTINGS,
  clearRoleQuota,
  getGuildSettings,
  getMemberState,
  listRoleQuotas,
  resetGuildSettings,
  resetUsage,
  setRoleQuota,
  updateGuildSettings,
  blockUser,
  unblockUser,
} from "../../src/db/settings.ts";
import { freshDb, testEngines, type FreshDb } from "./fresh-db.ts";

for (const { engine, skip } of await testEngines()) {
  describe(`guild settings (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    before(async () => {
      fresh = await freshDb(engine);
    });
    after(() => fresh.cleanup());

    test("a server that never set anything gets the defaults", async () => {
      assert.deepEqual(await getGuildSettings(fresh.db, "new-guild"), {
        ...DEFAULT_GUILD_SETTINGS,
        guildId: "new-guild",
        updatedAt: null,
        updatedBy: null,
      });
      assert.equal(DEFAULT_GUILD_SETTINGS.dailyImagesPerUser, 25);
      assert.equal(DEFAULT_GUILD_SETTINGS.timeZone, "UTC");
    });

    test("the defaults cannot be changed through a returned copy", async () => {
      const settings = await getGuildSettings(fresh.db, "copy-guild");
      settings.blockedWords.push("oops");
      assert.deepEqual(DEFAULT_GUILD_SETTINGS.blockedWords, []);
    });

    test("an update changes only the named limits, persists them and returns the full settings", async () => {
      const updated = await updateGuildSettings(
        fresh.db,
        "g",
        { dailyImagesPerUser: 5, blockedWords: ["gore", "Spoiler"], allowedChannelIds: ["c1", "c2"], rerollBy: "anyone" },
        "admin-1",
      );
      assert.equal(updated.dailyImagesPerUser, 5);
      assert.deepEqual(updated.blockedWords, ["gore", "Spoiler"]);
      assert.deepEqual(updated.allowedChannelIds, ["c1", "c2"]);
      assert.equal(updated.rerollBy, "anyone");
      assert.equal(updated.maxSteps, DEFAULT_GUILD_SETTINGS.maxSteps);
      assert.equal(updated.updatedBy, "admin-1");
      assert.ok(updated.updatedAt instanceof Date);

      const again = await updateGuildSettings(fresh.db, "g", { timeZone: "Europe/Paris", managerRoleIds: ["r1"], spoilerOutsideNsfw: true }, "admin-2");
      assert.equal(again.dailyImagesPerUser, 5, "earlier changes are kept");
      assert.equal(again.timeZone, "Europe/Paris");
      assert.deepEqual(again.managerRoleIds, ["r1"]);
      assert.equal(again.spoilerOutsideNsfw, true);
      assert.equal(again.updatedBy, "admin-2");
      assert.deepEqual(await getGuildSettings(fresh.db, "g"), again);
    });

    test("a reset puts every limit back to its default and records who did it", async () => {
      await updateGuildSettings(fresh.db, "r", { cooldownSeconds: 99, blockedWords: ["x"] }, "admin-1");
      const reset = await resetGuildSettings(fresh.db, "r", "admin-2");
      const { guildId, updatedAt, updatedBy, ...limits } = reset;
      assert.deepEqual(limits, DEFAULT_GUILD_SETTINGS);
      assert.equal(guildId, "r");
      assert.equal(updatedBy, "admin-2");
      assert.ok(updatedAt instanceof Date);
    });

    test("a damaged JSON column reads as an empty list", async () => {
      await updateGuildSettings(fresh.db, "broken", {}, "admin");
      await fresh.db.prisma.guildSettings.update({ where: { guildId: "broken" }, data: { blockedWords: "not json" } });
      assert.deepEqual((await getGuildSettings(fresh.db, "broken")).blockedWords, []);
    });
  });

  describe(`role quotas (${engine})`, { skip }, () => {
    test("are stored per server and role, null meaning unlimited, and can be cleared", async () => {
      const fresh = await freshDb(engine);
      try {
        assert.deepEqual(await setRoleQuota(fresh.db, "g", "vip", 100), { guildId: "g", roleId: "vip", dailyLimit: 100 });
        await setRoleQuota(fresh.db, "g", "admin", null);
        await setRoleQuota(fresh.db, "g", "vip", 50);
        await setRoleQuota(fresh.db, "other", "vip", 1);
        assert.deepEqual(await listRoleQuotas(fresh.db, "g"), [
          { guildId: "g", roleId: "admin", dailyLimit: null },
          { guildId: "g", roleId: "vip", dailyLimit: 50 },
        ]);
        assert.equal(await clearRoleQuota(fresh.db, "g", "vip"), true);
        assert.equal(await clearRoleQuota(fresh.db, "g", "vip"), false);
        assert.deepEqual(await listRoleQuotas(fresh.db, "g"), [{ guildId: "g", roleId: "admin", dailyLimit: null }]);
      } finally {
        await fresh.cleanup();
      }
    });
  });

  describe(`member state (${engine})`, { skip }, () => {
    test("blocking, unblocking and usage resets are remembered per server", async () => {
      const fresh = await freshDb(engine);
      try {
        assert.deepEqual(await getMemberState(fresh.db, "g", "u"), {
          guildId: "g",
          userId: "u",
          blocked: false,
          blockedReason: null,
          usageResetAt: null,
        });
        assert.equal((await blockUser(fresh.db, "g", "u", "spam")).blockedReason, "spam");
        assert.equal((await getMemberState(fresh.db, "g", "u")).blocked, true);
        assert.equal((await getMemberState(fresh.db, "other", "u")).blocked, false);

        const at = new Date("2024-05-01T10:00:00Z");
        assert.deepEqual((await resetUsage(fresh.db, "g", "u", at)).usageResetAt, at);
        const unblocked = await unblockUser(fresh.db, "g", "u");
        assert.equal(unblocked.blocked, false);
        assert.equal(unblocked.blockedReason, null);
        assert.deepEqual(unblocked.usageResetAt, at, "unblocking keeps the usage reset");
      } finally {
        await fresh.cleanup();
      }
    });
  });
}
