import assert from "node:assert/strict";
import { test } from "node:test";
import { isValidTimeZone, quotaDay, quotaDayEnd } from "../../src/db/quota-day.ts";

test("quotaDay is the calendar day in the server's time zone", () => {
  const instant = new Date("2024-03-01T23:30:00Z");
  assert.equal(quotaDay(instant), "2024-03-01");
  assert.equal(quotaDay(instant, "Asia/Tokyo"), "2024-03-02");
  assert.equal(quotaDay(new Date("2024-03-01T02:00:00Z"), "America/Los_Angeles"), "2024-02-29");
});

test("quotaDayEnd is the next local midnight, across offsets and DST changes", () => {
  const cases: [string, string, string][] = [
    ["2024-03-01T12:00:00Z", "UTC", "2024-03-02T00:00:00.000Z"],
    ["2024-03-01T23:30:00Z", "Asia/Tokyo", "2024-03-02T15:00:00.000Z"],
    ["2024-06-01T00:00:00Z", "Asia/Kolkata", "2024-06-01T18:30:00.000Z"],
    // Paris moves to summer time on the night of March 30th to 31st; midnight itself is still +01:00.
    ["2024-03-30T12:00:00Z", "Europe/Paris", "2024-03-30T23:00:00.000Z"],
    ["2024-03-31T12:00:00Z", "Europe/Paris", "2024-03-31T22:00:00.000Z"],
    // New York's clocks jump at 02:00 on March 10th.
    ["2024-03-10T12:00:00Z", "America/New_York", "2024-03-11T04:00:00.000Z"],
  ];
  for (const [now, timeZone, end] of cases) {
    const result = quotaDayEnd(new Date(now), timeZone);
    assert.equal(result.toISOString(), end, `${now} in ${timeZone}`);
    assert.equal(quotaDay(new Date(result.getTime() - 1), timeZone), quotaDay(new Date(now), timeZone));
    assert.notEqual(quotaDay(result, timeZone), quotaDay(new Date(now), timeZone));
  }
});

test("isValidTimeZone accepts IANA names only", () => {
  assert.equal(isValidTimeZone("Europe/Paris"), true);
  assert.equal(isValidTimeZone("UTC"), true);
  assert.equal(isValidTimeZone("Mars/Olympus_Mons"), false);
  assert.equal(isValidTimeZone(""), false);
});
