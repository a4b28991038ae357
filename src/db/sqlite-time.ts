/**
 * A DateTime as the better-sqlite3 adapter writes it (its default "iso8601" format), so rows written by plain
 * better-sqlite3 read back through Prisma exactly like Prisma's own, and compare with them as text.
 *
 * @example toSqliteTime(new Date("2024-05-01T12:00:00Z")) // "2024-05-01T12:00:00.000+00:00"
 */
export function toSqliteTime(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}
