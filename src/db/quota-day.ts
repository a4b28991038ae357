// Quota days are calendar days in the server's time zone (UTC unless its admins set one).

/** Whether `timeZone` is an IANA zone this runtime knows ("UTC", "Europe/Paris"…). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The quota day `now` falls on in `timeZone`, as "YYYY-MM-DD".
 *
 * @example quotaDay(new Date("2024-03-01T23:30:00Z"), "Asia/Tokyo") // "2024-03-02"
 */
export function quotaDay(now: Date, timeZone: string = "UTC"): string {
  const { year, month, day } = wallClock(now, timeZone);
  return `${year}-${pad(month)}-${pad(day)}`;
}

/**
 * When the quota day containing `now` ends in `timeZone`: the instant the next local day starts.
 *
 * @example quotaDayEnd(new Date("2024-03-01T12:00:00Z"), "Europe/Paris") // 2024-03-01T23:00:00.000Z
 */
export function quotaDayEnd(now: Date, timeZone: string = "UTC"): Date {
  const { year, month, day } = wallClock(now, timeZone);
  const midnightAsUtc = Date.UTC(year, month - 1, day + 1);
  // Shift by the zone's offset, then again by the offset found there (offsets change across DST).
  let instant = midnightAsUtc - offsetMs(new Date(midnightAsUtc), timeZone);
  instant = midnightAsUtc - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(date: Date, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(date)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `date`. */
function offsetMs(date: Date, timeZone: string): number {
  const c = wallClock(date, timeZone);
  const wallAsUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return wallAsUtc - Math.floor(date.getTime() / 1000) * 1000;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
