import type { Generation as GenerationRow, Prisma } from "@prisma/client";
import type { Db } from "./client.ts";
import { DatabaseUnavailableError } from "./database-unavailable.ts";
import { lastRequestOnPostgres, reserveOnPostgres, usedOnPostgres } from "./reservation-postgres.ts";
import { lastRequestOnSqlite, reserveOnSqlite, usedOnSqlite } from "./reservation-sqlite.ts";
import {
  UNFINISHED_STATUSES,
  type GenerationKind,
  type GenerationRecord,
  type GenerationRequest,
  type GenerationStatus,
  type GenerationTimings,
  type QuotaRules,
  type ReservationResult,
} from "./types.ts";

/**
 * Checks a member's request against their limits and, when allowed, stores it as a queued generation that
 * counts against today's quota, all in one transaction on either engine: any number of concurrent requests from
 * one member, from any number of processes, never reserve more than `dailyLimit`. Checked in this order: blocked,
 * quota, queue cap, the cap across servers, cooldown (see refusalFor): every cap is checked here, before anything
 * is charged, so nothing can refuse the job later.
 *
 * @returns the stored generation, or why not (with `used`/`limit` for "quota", `retryAt` for "cooldown",
 *   and for "quota" when `rules.resetsAt` is given).
 * @throws DatabaseUnavailableError when PostgreSQL cannot be reached; nothing was stored.
 */
export async function reserveGeneration(db: Db, request: GenerationRequest, rules: QuotaRules): Promise<ReservationResult> {
  return db.engine === "postgres" ? reserveOnPostgres(db, request, rules) : reserveOnSqlite(db, request, rules);
}

/** The job left the queue and the model started on it (again, after a restart). Null if it already finished. */
export async function markRunning(db: Db, id: number, startedAt: Date = new Date()): Promise<GenerationRecord | null> {
  const current = await db.prisma.generation.findUnique({ where: { id } });
  if (!current) return null;
  const queueMs = storedMs(startedAt.getTime() - current.queuedAt.getTime());
  return transition(db, id, { status: "running", startedAt, queueMs });
}

/** The result was posted as message `resultMessageId`. Null if the job had already finished. */
export function markDone(
  db: Db,
  id: number,
  resultMessageId: string,
  timings: GenerationTimings,
): Promise<GenerationRecord | null> {
  return transition(db, id, {
    status: "done",
    resultMessageId,
    runMs: storedMs(timings.runMs),
    stepMs: timings.stepMs,
    finishedAt: timings.finishedAt ?? new Date(),
    interactionToken: null,
  });
}

/**
 * The job failed with `error` (a message safe to show). With `refund` it no longer counts against the quota.
 * Null if the job had already finished.
 */
export function markFailed(
  db: Db,
  id: number,
  error: string,
  refund: boolean,
  finishedAt: Date = new Date(),
): Promise<GenerationRecord | null> {
  return transition(db, id, {
    status: "failed",
    error,
    finishedAt,
    interactionToken: null,
    ...(refund ? { charged: false } : {}),
  });
}

/**
 * The requester cancelled the job. `refund` gives the quota back only if the model never started on it:
 * a started run has cost its compute. Null if the job had already finished.
 */
export async function markCancelled(
  db: Db,
  id: number,
  refund: boolean,
  finishedAt: Date = new Date(),
): Promise<GenerationRecord | null> {
  const data = { status: "cancelled", finishedAt, interactionToken: null } satisfies Prisma.GenerationUpdateManyMutationInput;
  if (refund) {
    const refunded = await transition(db, id, { ...data, charged: false }, { startedAt: null });
    if (refunded) return refunded;
  }
  return transition(db, id, data);
}

/**
 * The status message was posted, but the database did not take its id (busy or unreachable). Carries the id: the
 * message exists all the same, so a caller may go on with it and store it later (GenerationService.submit does).
 */
export class StatusMessageNotRecordedError extends Error {
  override name = "StatusMessageNotRecordedError";
  constructor(
    readonly statusMessageId: string,
    options: ErrorOptions,
  ) {
    super(`The status message ${statusMessageId}'s id could not be stored`, options);
  }
}

/**
 * Remembers the message that shows the job's queue position and progress.
 * @throws StatusMessageNotRecordedError when the database is busy or unreachable (see DatabaseUnavailableError).
 */
export async function setStatusMessage(db: Db, id: number, statusMessageId: string): Promise<GenerationRecord | null> {
  try {
    const { count } = await db.prisma.generation.updateMany({ where: { id }, data: { statusMessageId } });
    return count === 0 ? null : await findById(db, id);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw new StatusMessageNotRecordedError(statusMessageId, { cause: error });
    throw error;
  }
}

export async function findById(db: Db, id: number): Promise<GenerationRecord | null> {
  const row = await db.prisma.generation.findUnique({ where: { id } });
  return row && toRecord(row);
}

/** The generation whose result was posted as `resultMessageId` (for rerolls and "Generation info"). */
export async function findByResultMessageId(db: Db, resultMessageId: string): Promise<GenerationRecord | null> {
  const row = await db.prisma.generation.findUnique({ where: { resultMessageId } });
  return row && toRecord(row);
}

/** Queued and running jobs, oldest first: what to resume after a restart. */
export async function listUnfinished(db: Db): Promise<GenerationRecord[]> {
  const rows = await db.prisma.generation.findMany({
    where: { status: { in: [...UNFINISHED_STATUSES] } },
    orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toRecord);
}

/** How many images count against a member's quota on `day` (refunds and usage resets excluded). */
export async function usageToday(db: Db, guildId: string, userId: string, day: string): Promise<{ used: number }> {
  const used = db.engine === "postgres" ? await usedOnPostgres(db, guildId, userId, day) : usedOnSqlite(db, guildId, userId, day);
  return { used };
}

/** When the member last asked for an image in this server (for cooldowns); null if never. */
export async function lastRequestAt(db: Db, guildId: string, userId: string): Promise<Date | null> {
  return db.engine === "postgres" ? lastRequestOnPostgres(db, guildId, userId) : lastRequestOnSqlite(db, guildId, userId);
}

/** The largest value of an `Int` column: PostgreSQL's integer is 32-bit (SQLite would store more). */
const MAX_INT_COLUMN = 2 ** 31 - 1;

/** A duration as its Int column stores it: whole milliseconds, at most 24.8 days (a job never waits that long). */
function storedMs(ms: number): number {
  return Math.min(MAX_INT_COLUMN, Math.max(0, Math.round(ms)));
}

/** Applies `data` if the job is still queued or running (and matches `extra`); null otherwise. */
async function transition(
  db: Db,
  id: number,
  data: Prisma.GenerationUpdateManyMutationInput,
  extra: Prisma.GenerationWhereInput = {},
): Promise<GenerationRecord | null> {
  const { count } = await db.prisma.generation.updateMany({
    where: { id, status: { in: [...UNFINISHED_STATUSES] }, ...extra },
    data,
  });
  return count === 0 ? null : findById(db, id);
}

function toRecord(row: GenerationRow): GenerationRecord {
  // A stored result's notes are read only by the process that posts it (stored-results.ts), not carried on every record.
  const { warnings: _warnings, ...columns } = row;
  return {
    ...columns,
    kind: row.kind as GenerationKind,
    status: row.status as GenerationStatus,
    seed: BigInt(row.seed),
    variationSeed: row.variationSeed === null ? null : BigInt(row.variationSeed),
  };
}
