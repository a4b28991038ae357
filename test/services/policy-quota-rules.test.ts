import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_GUILD_SETTINGS } from "../../src/db/settings.ts";
import type { GuildLimits, RoleQuotaRecord } from "../../src/db/types.ts";
import { resolveDailyLimit, resolveQuotaRules } from "../../src/services/policy/index.ts";

const settings = (patch: Partial<GuildLimits> = {}): GuildLimits => ({ ...DEFAULT_GUILD_SETTINGS, ...patch });
const role = (roleId: string, dailyLimit: number | null): RoleQuotaRecord => ({ guildId: "g", roleId, dailyLimit });
const noon = new Date("2024-05-01T12:00:00Z");

describe("resolveQuotaRules: daily limit", () => {
  test("without a matching role, the server's dailyImagesPerUser", () => {
    const quotas = [role("vip", 100)];
    assert.equal(resolveQuotaRules(settings({ dailyImagesPerUser: 7 }), quotas, ["other"], noon).dailyLimit, 7);
    assert.equal(resolveQuotaRules(settings({ dailyImagesPerUser: 7 }), [], ["vip"], noon).dailyLimit, 7);
  });

  test("the most generous of the member's role overrides wins", () => {
    const quotas = [role("a", 5), role("b", 60), role("c", 40), role("not-mine", 1000)];
    assert.equal(resolveDailyLimit(25, quotas, ["a", "b", "c"]), 60);
    assert.equal(resolveDailyLimit(25, quotas, ["c", "a"]), 40);
  });

  test("null (unlimited) beats any number, whatever the order", () => {
    assert.equal(resolveDailyLimit(25, [role("a", 10_000), role("b", null)], ["a", "b"]), null);
    assert.equal(resolveDailyLimit(25, [role("b", null), role("a", 10_000)], ["a", "b"]), null);
    assert.equal(resolveDailyLimit(25, [role("b", null), role("a", 10_000)], ["a"]), 10_000);
  });

  test("an override replaces the default, so a role can also give less (0 included)", () => {
    assert.equal(resolveDailyLimit(25, [role("new", 5)], ["new"]), 5);
    assert.equal(resolveDailyLimit(25, [role("muted", 0)], ["muted"]), 0);
    assert.equal(resolveDailyLimit(25, [role("muted", 0), role("vip", 50)], ["muted", "vip"]), 50);
  });
});

describe("resolveQuotaRules: days, cooldown and queue cap", () => {
  test("cooldownMs, maxQueued and now come from the settings and the clock", () => {
    const rules = resolveQuotaRules(settings({ cooldownSeconds: 30, maxQueuedPerUser: 4 }), [], [], noon);
    assert.equal(rules.cooldownMs, 30_000);
    assert.equal(rules.maxQueued, 4);
    assert.equal(rules.now, noon);
    assert.equal(rules.day, "2024-05-01");
    assert.deepEqual(rules.resetsAt, new Date("2024-05-02T00:00:00Z"));
  });

  test('a member in "America/New_York" at 03:30 UTC is still on the previous day; resetsAt is the next local midnight', () => {
    const ny = settings({ timeZone: "America/New_York" });
    const summer = resolveQuotaRules(ny, [], [], new Date("2024-05-02T03:30:00Z"));
    assert.equal(summer.day, "2024-05-01");
    assert.deepEqual(summer.resetsAt, new Date("2024-05-02T04:00:00Z"), "midnight EDT is 04:00 UTC");
    const winter = resolveQuotaRules(ny, [], [], new Date("2024-01-15T03:30:00Z"));
    assert.equal(winter.day, "2024-01-14");
    assert.deepEqual(winter.resetsAt, new Date("2024-01-15T05:00:00Z"), "midnight EST is 05:00 UTC");
    // The same instant in UTC is already the next day.
    assert.equal(resolveQuotaRules(settings(), [], [], new Date("2024-05-02T03:30:00Z")).day, "2024-05-02");
  });

  test("on a daylight-saving day the quota day is 23 hours long and still ends at local midnight", () => {
    const ny = settings({ timeZone: "America/New_York" });
    const early = resolveQuotaRules(ny, [], [], new Date("2024-03-10T06:00:00Z")); // 01:00 EST
    assert.equal(early.day, "2024-03-10");
    assert.deepEqual(early.resetsAt, new Date("2024-03-11T04:00:00Z"));
  });

  test("a zone east of UTC is already on the next day", () => {
    const tokyo = resolveQuotaRules(settings({ timeZone: "Asia/Tokyo" }), [], [], new Date("2024-05-01T23:30:00Z"));
    assert.equal(tokyo.day, "2024-05-02");
    assert.deepEqual(tokyo.resetsAt, new Date("2024-05-02T15:00:00Z"));
  });

  test("a time zone the runtime does not know falls back to UTC instead of throwing", () => {
    const rules = resolveQuotaRules(settings({ timeZone: "Mars/Olympus_Mons" }), [], [], new Date("2024-05-02T03:30:00Z"));
    assert.equal(rules.day, "2024-05-02");
    assert.deepEqual(rules.resetsAt, new Date("2024-05-03T00:00:00Z"));
  });
});
