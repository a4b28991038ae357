/**
 * Preloaded into a bot or worker process by the fleet benches (`node --import tsx --import <this file> …`): counts
 * every statement the process sends to PostgreSQL, at the driver. Both paths to the server go through
 * `pg.Client#query`: Prisma's @prisma/adapter-pg (its pool checks out a Client per query) and the reservation's
 * own transaction on a pooled client (src/db/reservation-postgres.ts), so BEGIN and COMMIT are counted as the
 * statements they are. Nothing in src/ knows about it.
 *
 * On SIGUSR2 the process writes `{ seq, counts }` (statement text with whitespace collapsed → times sent) to
 * BENCH_PG_COUNT_FILE, so the bench can take the difference between two moments.
 */
import { renameSync, writeFileSync } from "node:fs";
import pg from "pg";

const file = process.env.BENCH_PG_COUNT_FILE;
if (!file) throw new Error("pg-statement-counter: set BENCH_PG_COUNT_FILE");

const counts = new Map<string, number>();
let seq = 0;

/** The SQL text of any of `query`'s call forms: a string, a config object, or a Submittable with `text`. */
function textOf(first: unknown): string {
  if (typeof first === "string") return first;
  if (first && typeof first === "object" && "text" in first && typeof first.text === "string") return first.text;
  return "(not a text query)";
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const prototype = pg.Client.prototype as unknown as { query: Query };
const original = prototype.query;
prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  const text = textOf(args[0]).replace(/\s+/g, " ").trim();
  counts.set(text, (counts.get(text) ?? 0) + 1);
  return original.apply(this, args);
};

process.on("SIGUSR2", () => {
  seq += 1;
  // Written aside and renamed, so the bench never reads half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify({ seq, counts: Object.fromEntries(counts) }));
  renameSync(`${file}.tmp`, file);
});
