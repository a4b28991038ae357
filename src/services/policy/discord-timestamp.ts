// Discord renders `<t:UNIX:STYLE>` in each reader's own locale and time zone, so times need no formatting here.

/** How Discord shows a timestamp: R = relative ("in 5 minutes"), t/T = time, d/D = date, f/F = date and time. */
export type TimestampStyle = "R" | "t" | "T" | "d" | "D" | "f" | "F";

/**
 * Discord timestamp markup for `date`. Seconds are rounded up: a "try again at" time shown a fraction of a
 * second early would invite a request that is still refused.
 *
 * @example discordTimestamp(new Date("2024-05-02T00:00:00Z")) // "<t:1714608000:R>"
 */
export function discordTimestamp(date: Date, style: TimestampStyle = "R"): string {
  return `<t:${Math.ceil(date.getTime() / 1000)}:${style}>`;
}
