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

test("where a clock change skips midnight, the next day starts when the clocks jump (at 01:00 local)", () => {
  const cases: [string, string, string, string][] = [
    // Chile: 2024-09-07 24:00 (-04) is 2024-09-08 01:00 (-03); that instant is 04:00Z either way.
    ["2024-09-07T12:00:00Z", "America/Santiago", "2024-09-08T04:00:00.000Z", "2024-09-08"],
    // Cuba: 2023-03-11 24:00 (-05) is 2023-03-12 01:00 (-04).
    ["2023-03-11T12:00:00Z", "America/Havana", "2023-03-12T05:00:00.000Z", "2023-03-12"],
    // The day after, short by an hour, ends at an ordinary midnight (-03 / -04).
    ["2024-09-08T12:00:00Z", "America/Santiago", "2024-09-09T03:00:00.000Z", "2024-09-09"],
    ["2023-03-12T12:00:00Z", "America/Havana", "2023-03-13T04:00:00.000Z", "2023-03-13"],
    // Samoa skipped 2011-12-30 entirely: the 29th (-10) ends when the 31st (+14) starts.
    ["2011-12-29T12:00:00Z", "Pacific/Apia", "2011-12-30T10:00:00.000Z", "2011-12-31"],
  ];
  for (const [now, timeZone, end, nextDay] of cases) {
    const result = quotaDayEnd(new Date(now), timeZone);
    assert.equal(result.toISOString(), end, `${now} in ${timeZone}`);
    assert.equal(quotaDay(result, timeZone), nextDay);
    assert.equal(quotaDay(new Date(result.getTime() - 1), timeZone), quotaDay(new Date(now), timeZone));
  }
});

test("where midnight happens twice, the day ends at the first one", () => {
  // Cuba, 2023-11-05: 01:00 (-04) goes back to 00:00 (-05), so 00:00 is 04:00Z and again 05:00Z.
  assert.equal(quotaDayEnd(new Date("2023-11-04T12:00:00Z"), "America/Havana").toISOString(), "2023-11-05T04:00:00.000Z");
  assert.equal(quotaDay(new Date("2023-11-05T04:30:00Z"), "America/Havana"), "2023-11-05");
  // Within the repeated hour it is already the 5th, which ends at the next midnight (-05).
  assert.equal(quotaDayEnd(new Date("2023-11-05T04:30:00Z"), "America/Havana").toISOString(), "2023-11-06T05:00:00.000Z");
  // Chile, 2024-04-07: 24:00 (-03) goes back to 23:00 (-04); the 6th lasts 25 hours and ends at 00:00 (-04).
  assert.equal(quotaDayEnd(new Date("2024-04-06T12:00:00Z"), "America/Santiago").toISOString(), "2024-04-07T04:00:00.000Z");
  assert.equal(quotaDayEnd(new Date("2024-04-07T03:30:00Z"), "America/Santiago").toISOString(), "2024-04-07T04:00:00.000Z");
});

test("ordinary days end at midnight on both sides of a DST change and at the end of a UTC year", () => {
  const cases: [string, string, string][] = [
    ["2024-11-03T12:00:00Z", "America/New_York", "2024-11-04T05:00:00.000Z"],
    ["2024-10-27T12:00:00Z", "Europe/Paris", "2024-10-27T23:00:00.000Z"],
    ["2024-12-31T23:59:59.999Z", "UTC", "2025-01-01T00:00:00.000Z"],
    ["2025-01-01T00:00:00.000Z", "UTC", "2025-01-02T00:00:00.000Z"],
  ];
  for (const [now, timeZone, end] of cases) assert.equal(quotaDayEnd(new Date(now), timeZone).toISOString(), end, `${now} in ${timeZone}`);
  assert.equal(quotaDay(new Date("2024-12-31T23:59:59.999Z")), "2024-12-31");
});

test("an unknown time zone is refused with its name, and an invalid date is refused, never turned into a day", () => {
  assert.throws(() => quotaDay(new Date(), "Mars/Olympus_Mons"), { name: "RangeError", message: /Mars\/Olympus_Mons/ });
  assert.throws(() => quotaDayEnd(new Date(), "Mars/Olympus_Mons"), { name: "RangeError", message: /Mars\/Olympus_Mons/ });
  assert.throws(() => quotaDay(new Date(Number.NaN), "UTC"), RangeError);
  assert.throws(() => quotaDayEnd(new Date(Number.NaN), "UTC"), RangeError);
});

test("isValidTimeZone accepts IANA names only", () => {
  assert.equal(isValidTimeZone("Europe/Paris"), true);
  assert.equal(isValidTimeZone("UTC"), true);
  assert.equal(isValidTimeZone("Mars/Olympus_Mons"), false);
  assert.equal(isValidTimeZone(""), false);
  assert.equal(isValidTimeZone("America/Santiago"), true);
  // Offsets are not zones: a server's day follows its zone's rules.
  assert.equal(isValidTimeZone("UTC+3"), false);
  assert.equal(isValidTimeZone("+03:00"), false);
});
