import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { discordTimestamp, reservationRefusal, reservationRefusalMessage } from "../../src/services/policy/index.ts";

const now = new Date("2024-05-01T12:00:00Z");
const midnight = new Date("2024-05-02T00:00:00Z");
const unix = (date: Date) => date.getTime() / 1000;

describe("reservationRefusalMessage", () => {
  test("quota: used, limit and a relative reset timestamp", () => {
    const message = reservationRefusalMessage({ ok: false, reason: "quota", used: 25, limit: 25, retryAt: midnight }, now);
    assert.equal(message, `You've used 25 of 25 images today; your quota resets <t:${unix(midnight)}:R>.`);
  });

  test("quota: singular, big numbers, a zero quota, and missing details", () => {
    assert.match(reservationRefusalMessage({ ok: false, reason: "quota", used: 1, limit: 1 }, now), /^You've used 1 of 1 image today\.$/);
    assert.match(reservationRefusalMessage({ ok: false, reason: "quota", used: 10_000, limit: 10_000 }, now), /10,000 of 10,000 images/);
    assert.match(reservationRefusalMessage({ ok: false, reason: "quota", used: 0, limit: 0, retryAt: midnight }, now), /quota on this server is 0; .*<t:/);
    assert.equal(reservationRefusalMessage({ ok: false, reason: "quota" }, now), "You've reached your daily image quota.");
  });

  test("quota: a grid that does not fit says how many it asks for and how many are left", () => {
    const message = reservationRefusalMessage({ ok: false, reason: "quota", used: 4, limit: 6, asked: 4, retryAt: midnight }, now);
    assert.equal(message, `That asks for 4 images, but you have 2 images left of 6 today; ask for fewer; your quota resets <t:${unix(midnight)}:R>.`);
    // Nothing left: the plain message.
    assert.match(reservationRefusalMessage({ ok: false, reason: "quota", used: 6, limit: 6, asked: 2 }, now), /^You've used 6 of 6 images today\.$/);
  });

  test("cooldown: when, as a timestamp and in seconds (rounded up)", () => {
    const retryAt = new Date(now.getTime() + 6_200);
    const message = reservationRefusalMessage({ ok: false, reason: "cooldown", retryAt }, now);
    assert.match(message, /too quickly/);
    assert.ok(message.includes(`<t:${Math.ceil(unix(retryAt))}:R>`), message);
    assert.match(message, /in 7 seconds/);
    assert.match(reservationRefusalMessage({ ok: false, reason: "cooldown", retryAt: new Date(now.getTime() + 300) }, now), /in 1 second\)/);
  });

  test("queue cap and blocked", () => {
    assert.match(reservationRefusalMessage({ ok: false, reason: "queue-cap", limit: 3 }, now), /already have 3 jobs waiting or running/);
    assert.match(reservationRefusalMessage({ ok: false, reason: "queue-cap", limit: 1 }, now), /already have 1 job waiting/);
    assert.match(reservationRefusalMessage({ ok: false, reason: "blocked" }, now), /blocked from requesting images/);
  });
});

describe("reservationRefusal", () => {
  test("maps the database's reasons to guard reasons and keeps retryAt", () => {
    const quota = reservationRefusal({ ok: false, reason: "quota", used: 2, limit: 2, retryAt: midnight }, now);
    assert.deepEqual(quota, {
      ok: false,
      reason: "quota",
      message: `You've used 2 of 2 images today; your quota resets <t:${unix(midnight)}:R>.`,
      retryAt: midnight,
    });
    assert.equal(reservationRefusal({ ok: false, reason: "blocked" }, now).reason, "blocked-user");
    assert.equal(reservationRefusal({ ok: false, reason: "queue-cap", limit: 3 }, now).reason, "queue-cap");
    assert.equal("retryAt" in reservationRefusal({ ok: false, reason: "blocked" }, now), false);
  });
});

describe("discordTimestamp", () => {
  test("whole seconds, rounded up, with the style asked for", () => {
    assert.equal(discordTimestamp(midnight), "<t:1714608000:R>");
    assert.equal(discordTimestamp(new Date(midnight.getTime() + 1), "F"), "<t:1714608001:F>");
  });
});
