import { DateTime, IANAZone } from "luxon";

// Quota days are calendar days in the server's time zone (UTC unless its admins set one). Zone rules come from
// luxon (over the runtime's IANA data): a day can start at 01:00 where a clock change skips midnight, last 23 or
// 25 hours, or not happen at all (Samoa, 2011-12-30).

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/** Whether `timeZone` is an IANA zone this runtime knows ("UTC", "Europe/Paris"…); offsets like "+03:00" are not. */
export function isValidTimeZone(timeZone: string): boolean {
  // Checked on every request; asking Intl costs tens of microseconds, and a runtime's zones do not change.
  let valid = validity.get(timeZone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(timeZone);
    if (validity.size < MAX_CACHED_ZONES) validity.set(timeZone, valid);
  }
  return valid;
}

const validity = new Map<string, boolean>();
/** Bounds the cache: zone names come from server settings (validated) but stay strings from users. */
const MAX_CACHED_ZONES = 1000;

/**
 * The quota day `now` falls on in `timeZone`, as "YYYY-MM-DD".
 *
 * @example quotaDay(new Date("2024-03-01T23:30:00Z"), "Asia/Tokyo") // "2024-03-02"
 */
export function quotaDay(now: Date, timeZone: string = "UTC"): string {
  return localTime(now, zoneNamed(timeZone)).toISODate();
}

/**
 * When the quota day containing `now` ends in `timeZone`: the first instant of the next local day (its midnight,
 * or the moment the clocks jump where a change skips midnight).
 *
 * @example quotaDayEnd(new Date("2024-03-01T12:00:00Z"), "Europe/Paris") // 2024-03-01T23:00:00.000Z
 */
export function quotaDayEnd(now: Date, timeZone: string = "UTC"): Date {
  const zone = zoneNamed(timeZone);
  const local = localTime(now, zone);
  // Adding a day to the date, then going to its start (not the reverse) starts from the right date even when
  // today began at 01:00; a midnight that does not exist resolves to the instant the clocks jump.
  const nextDayStart = local.plus({ days: 1 }).startOf("day");
  return new Date(earliestInstantOf(nextDayStart, zone));
}

/**
 * Luxon resolves a wall time that happens twice (clocks set back across midnight) to its later instant; a day
 * starts at the first. The earlier one, if any, carries the offset from before the change.
 */
function earliestInstantOf(wallTime: DateTime, zone: IANAZone): number {
  const instant = wallTime.toMillis();
  const wallAsUtc = instant + wallTime.offset * MINUTE_MS;
  const offsetBefore = zone.offset(instant - DAY_MS);
  const earlier = wallAsUtc - offsetBefore * MINUTE_MS;
  return earlier < instant && zone.offset(earlier) === offsetBefore ? earlier : instant;
}

function localTime(now: Date, zone: IANAZone): DateTime<true> {
  const local = DateTime.fromJSDate(now, { zone });
  if (!local.isValid) throw new RangeError(`Cannot place ${String(now)} in a quota day: ${local.invalidExplanation ?? local.invalidReason}.`);
  return local;
}

function zoneNamed(timeZone: string): IANAZone {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`Unknown time zone "${timeZone}": expected an IANA name such as "Europe/Paris".`);
  return zone;
}
