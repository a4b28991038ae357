import type pg from "pg";
import type { PostgresDb } from "./client.ts";
import { unlessUnavailable } from "./database-unavailable.ts";
import { refusalFor, type MemberSnapshot } from "./reservation-check.ts";
import { requestColumns, reservedRecord, storedSeed, storedVariationSeed } from "./reservation-row.ts";
import { UNFINISHED_STATUSES, type GenerationRequest, type QuotaRules, type ReservationResult } from "./types.ts";

const unfinished = UNFINISHED_STATUSES.map((status) => `'${status}'`).join(", ");

/**
 * $1 guild, $2 user, $3 quota day. Timestamps are `timestamp(3)` holding UTC (as Prisma writes them); epoch
 * milliseconds read them without node-pg's local-time conversion.
 */
const SNAPSHOT = `
WITH m AS (SELECT "blocked", "usageResetAt" FROM "GuildMember" WHERE "guildId" = $1 AND "userId" = $2)
SELECT
  COALESCE((SELECT "blocked" FROM m), false) AS "blocked",
  (SELECT COALESCE(SUM("imageCount"), 0)::int FROM "Generation" WHERE "guildId" = $1 AND "userId" = $2 AND "quotaDay" = $3 AND "charged"
     AND "queuedAt" >= COALESCE((SELECT "usageResetAt" FROM m), '-infinity'::timestamp)) AS "used",
  (SELECT COUNT(*)::int FROM "Generation" WHERE "guildId" = $1 AND "userId" = $2 AND "status" IN (${unfinished})) AS "active",
  (SELECT COUNT(*)::int FROM "Generation" WHERE "userId" = $2 AND "status" = 'queued') AS "waiting",
  (SELECT (EXTRACT(EPOCH FROM MAX("queuedAt")) * 1000)::float8 FROM "Generation" WHERE "guildId" = $1 AND "userId" = $2) AS "lastQueuedMs"`;

interface SnapshotRow {
  blocked: boolean;
  used: number;
  active: number;
  waiting: number;
  lastQueuedMs: number | null;
}

const columns = [
  "guildId", "channelId", "userId", "kind", "prompt", "negativePrompt", "strength", "steps", "guidance", "scheduler", "width",
  "height", "seed", "inputHash", "model", "status", "interactionId", "interactionToken", "parentId", "quotaDay", "charged", "queuedAt",
  "imageCount", "gridIndex", "variationSeed", "variationStrength",
] as const;
const INSERT = `INSERT INTO "Generation" (${columns.map((c) => `"${c}"`).join(", ")})
VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING "id"`;

/**
 * One lock per member across every server: the cap across servers counts their jobs everywhere, so two requests
 * of one member in two servers must not pass their checks side by side. Scoped to the transaction: released by
 * COMMIT, ROLLBACK or a lost connection.
 */
const LOCK_MEMBER = `SELECT pg_advisory_xact_lock(hashtextextended('reroll.reserve:' || $1, 0))`;

/**
 * The reservation on PostgreSQL: one transaction that takes the member's advisory lock, reads their state and
 * inserts only if every cap allows it. Concurrent reservations of one member, from any process, run one after
 * the other; each sees the previous ones' rows (READ COMMITTED: every statement reads what was committed before
 * it started). A lost connection rolls the transaction back on the server: nothing half-written remains.
 *
 * @throws DatabaseUnavailableError when PostgreSQL cannot be reached or the connection is lost mid-way.
 */
export function reserveOnPostgres(db: PostgresDb, request: GenerationRequest, rules: QuotaRules): Promise<ReservationResult> {
  const values = { ...requestColumns(request), seed: storedSeed(request), variationSeed: storedVariationSeed(request), status: "queued", quotaDay: rules.day, charged: true };
  // An ISO text with Z: a timestamp-without-zone column ignores the zone, so it stores the UTC wall time.
  const row = { ...values, queuedAt: rules.now.toISOString() };
  return inTransaction(db.pool, async (client): Promise<ReservationResult> => {
    await client.query(LOCK_MEMBER, [request.userId]);
    const refusal = refusalFor(await readSnapshot(client, request.guildId, request.userId, rules.day), rules, request.imageCount ?? 1);
    if (refusal) return refusal;
    const inserted = await client.query<{ id: number }>(INSERT, columns.map((column) => row[column]));
    const id = inserted.rows[0]?.id;
    if (id === undefined) throw new Error("INSERT … RETURNING gave no row");
    return { ok: true, generation: reservedRecord(id, request, rules) };
  });
}

export function usedOnPostgres(db: PostgresDb, guildId: string, userId: string, day: string): Promise<number> {
  return unlessUnavailable(async () => (await readSnapshot(db.pool, guildId, userId, day)).used);
}

export function lastRequestOnPostgres(db: PostgresDb, guildId: string, userId: string): Promise<Date | null> {
  return unlessUnavailable(async () => (await readSnapshot(db.pool, guildId, userId, "")).lastQueuedAt);
}

async function readSnapshot(client: pg.Pool | pg.PoolClient, guildId: string, userId: string, day: string): Promise<MemberSnapshot> {
  const { rows } = await client.query<SnapshotRow>(SNAPSHOT, [guildId, userId, day]);
  const row = rows[0];
  if (!row) throw new Error("the snapshot query gave no row");
  return { ...row, lastQueuedAt: row.lastQueuedMs === null ? null : new Date(row.lastQueuedMs) };
}

/**
 * Runs `work` between BEGIN and COMMIT on one pooled connection; rolls back on an error. A connection that failed
 * is destroyed rather than returned to the pool.
 */
function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return unlessUnavailable(async () => {
    const client = await pool.connect();
    // A connection cut between two queries is reported as an event; the next query fails and says so.
    const ignore = () => {};
    client.on("error", ignore);
    let failure: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.off("error", ignore);
      client.release(failure);
    }
  });
}
