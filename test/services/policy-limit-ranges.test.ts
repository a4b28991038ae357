import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { DEFAULT_GUILD_SETTINGS } from "../../src/db/settings.ts";
import type { GuildLimits } from "../../src/db/types.ts";
import {
  DAILY_IMAGES_RANGE,
  LIMIT_LABELS,
  MAX_QUEUED_RANGE,
  MAX_SIDE_RANGE,
  MAX_STEPS_RANGE,
  COOLDOWN_SECONDS_RANGE,
  describeRange,
  validateLimitPatch,
  validateRoleQuota,
  type LimitPatchValidation,
} from "../../src/services/policy/index.ts";

const snowflake = (n: number) => String(100_000_000_000_000_000n + BigInt(n));

function messageOf(result: LimitPatchValidation): string {
  assert.equal(result.ok, false, "expected the patch to be refused");
  return result.ok ? "" : result.message;
}

describe("validateLimitPatch: numbers", () => {
  const cases = [
    ["dailyImagesPerUser", DAILY_IMAGES_RANGE, "a whole number from 0 to 10,000"],
    ["maxQueuedPerUser", MAX_QUEUED_RANGE, "a whole number from 1 to 20"],
    ["cooldownSeconds", COOLDOWN_SECONDS_RANGE, "a whole number from 0 to 86,400"],
    ["maxSteps", MAX_STEPS_RANGE, "a whole number from 1 to 150"],
    ["maxSide", MAX_SIDE_RANGE, "a multiple of 64 from 256 to 2,048"],
  ] as const;

  for (const [key, range, described] of cases) {
    test(`${key}: both ends pass, one past either end is refused, naming the range`, () => {
      assert.equal(describeRange(range), described);
      assert.deepEqual(validateLimitPatch({ [key]: range.min }), { ok: true, value: { [key]: range.min } });
      assert.deepEqual(validateLimitPatch({ [key]: range.max }), { ok: true, value: { [key]: range.max } });
      const step = range.multipleOf ?? 1;
      for (const bad of [range.min - step, range.max + step, range.min + 0.5, Number.NaN]) {
        const message = messageOf(validateLimitPatch({ [key]: bad }));
        assert.ok(message.startsWith(`${LIMIT_LABELS[key]} (${key}) must be ${described}; got `), message);
      }
    });
  }

  test("maxSide must be a multiple of 64", () => {
    assert.ok(validateLimitPatch({ maxSide: 768 }).ok);
    assert.match(messageOf(validateLimitPatch({ maxSide: 700 })), /multiple of 64 .*got 700\./);
  });

  test("a number sent as a string is refused, not coerced", () => {
    assert.match(messageOf(validateLimitPatch({ maxSteps: "20" as unknown as number })), /got "20"\./);
  });
});

describe("validateLimitPatch: other limits", () => {
  test("rerollBy, spoilerOutsideNsfw", () => {
    assert.deepEqual(validateLimitPatch({ rerollBy: "anyone", spoilerOutsideNsfw: true }), {
      ok: true,
      value: { rerollBy: "anyone", spoilerOutsideNsfw: true },
    });
    assert.match(messageOf(validateLimitPatch({ rerollBy: "everyone" as "anyone" })), /must be "requester" or "anyone"; got "everyone"/);
    assert.match(messageOf(validateLimitPatch({ spoilerOutsideNsfw: 1 as unknown as boolean })), /true or false; got 1/);
  });

  test("timeZone: IANA zones, in their canonical spelling; offsets and unknown names are refused", () => {
    assert.deepEqual(validateLimitPatch({ timeZone: "America/New_York" }), { ok: true, value: { timeZone: "America/New_York" } });
    assert.deepEqual(validateLimitPatch({ timeZone: "europe/paris" }), { ok: true, value: { timeZone: "Europe/Paris" } });
    for (const bad of ["Mars/Olympus_Mons", "+01:00", "", "Not a zone"]) {
      assert.match(messageOf(validateLimitPatch({ timeZone: bad })), /must be an IANA time zone/, bad);
    }
  });

  test("blockedWords: trimmed, blanks and duplicates dropped; length and count limits named", () => {
    assert.deepEqual(validateLimitPatch({ blockedWords: [" cat ", "", "CAT", "big cat", "c++"] }), {
      ok: true,
      value: { blockedWords: ["cat", "big cat", "c++"] },
    });
    assert.ok(validateLimitPatch({ blockedWords: ["é".repeat(64)] }).ok, "64 characters, even outside ASCII");
    assert.match(messageOf(validateLimitPatch({ blockedWords: ["x".repeat(65)] })), /at most 64 characters; .* is 65 characters long/);
    const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`);
    assert.ok(validateLimitPatch({ blockedWords: words(200) }).ok);
    assert.match(messageOf(validateLimitPatch({ blockedWords: words(201) })), /at most 200 words or phrases .*got 201 words/);
    assert.match(messageOf(validateLimitPatch({ blockedWords: ["ca\u202Et"] })), /right-to-left override \(U\+202E\)/);
  });

  test("allowedChannelIds and managerRoleIds: Discord ids, deduplicated, at most 100 and 25", () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => snowflake(i));
    assert.deepEqual(validateLimitPatch({ allowedChannelIds: [snowflake(1), snowflake(1)] }), {
      ok: true,
      value: { allowedChannelIds: [snowflake(1)] },
    });
    assert.ok(validateLimitPatch({ allowedChannelIds: ids(100), managerRoleIds: ids(25) }).ok);
    assert.match(messageOf(validateLimitPatch({ allowedChannelIds: ids(101) })), /at most 100 channels; got 101/);
    assert.match(messageOf(validateLimitPatch({ managerRoleIds: ids(26) })), /at most 25 roles; got 26/);
    assert.match(messageOf(validateLimitPatch({ managerRoleIds: ["<@&123>"] })), /role ids/);
    assert.deepEqual(validateLimitPatch({ allowedChannelIds: [] }), { ok: true, value: { allowedChannelIds: [] } });
  });

  test("reports every problem, one line each; unknown keys are refused; undefined values are dropped", () => {
    const message = messageOf(validateLimitPatch({ maxSteps: 0, maxSide: 4096, bogus: 1 } as Partial<GuildLimits>));
    assert.equal(message.split("\n").length, 3);
    assert.match(message, /no limit called `bogus`/);
    assert.deepEqual(validateLimitPatch({ maxSteps: undefined, maxSide: 512 }), { ok: true, value: { maxSide: 512 } });
  });

  test("the defaults are valid", () => {
    assert.deepEqual(validateLimitPatch(DEFAULT_GUILD_SETTINGS), { ok: true, value: DEFAULT_GUILD_SETTINGS });
  });
});

describe("validateRoleQuota", () => {
  test("a whole number in range, or null for unlimited", () => {
    assert.deepEqual(validateRoleQuota(null), { ok: true, value: null });
    assert.deepEqual(validateRoleQuota(0), { ok: true, value: 0 });
    assert.deepEqual(validateRoleQuota(10_000), { ok: true, value: 10_000 });
    const refused = validateRoleQuota(10_001);
    assert.equal(refused.ok ? "" : refused.message, "A role's daily image quota must be a whole number from 0 to 10,000, or unlimited; got 10001.");
    assert.equal(validateRoleQuota(-1).ok, false);
  });
});

describe("docs/limits.md", () => {
  test("documents every limit with its default and its allowed range", async () => {
    const doc = await readFile(new URL("../../docs/limits.md", import.meta.url), "utf8");
    const rows = new Map(
      doc
        .split("\n")
        .filter((line) => line.startsWith("| ") && line.includes("`"))
        .map((line) => [line.match(/`(\w+)`/)?.[1], line] as const),
    );
    const ranges: Partial<Record<keyof GuildLimits, string>> = {
      dailyImagesPerUser: describeRange(DAILY_IMAGES_RANGE),
      maxQueuedPerUser: describeRange(MAX_QUEUED_RANGE),
      cooldownSeconds: describeRange(COOLDOWN_SECONDS_RANGE),
      maxSteps: describeRange(MAX_STEPS_RANGE),
      maxSide: describeRange(MAX_SIDE_RANGE),
    };
    for (const key of Object.keys(LIMIT_LABELS) as Array<keyof GuildLimits>) {
      const row = rows.get(key);
      assert.ok(row, `docs/limits.md has no row for ${key}`);
      assert.ok(row.includes(`| ${LIMIT_LABELS[key]} |`), `${key}: label`);
      const value = DEFAULT_GUILD_SETTINGS[key];
      const documented = Array.isArray(value) ? (value.length === 0 ? "none" : value.join(", ")) : String(value);
      assert.ok(row.split("|")[3]?.includes(documented), `${key}: default ${documented}`);
      if (ranges[key]) assert.ok(row.includes(ranges[key]!), `${key}: range ${ranges[key]}`);
    }
  });
});
