import type { Generation as GenerationRow, Prisma } from "@prisma/client";
import { MAX_SEED } from "../inference/index.ts";
import type { Db } from "./client.ts";
import { runImmediate } from "./immediate-transaction.ts";
import { quotaStatements, type GenerationInsert, type QuotaStatements } from "./quota-statements.ts";
import { toSqliteTime } from "./sqlite-time.ts";
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
 * counts against today's quota, all in one transaction: any number of concurrent requests from one member
 * never reserve more than `dailyLimit`. Checked in this order: blocked, quota, queue cap, the cap across servers,
 * cooldown: every cap is checked here, before anything is charged, so nothing can refuse the job later.
 *
 * @returns the stored generation, or why not (with `used`/`limit` for "quota", `retryAt` for "cooldown",
 *   and for "quota" when `rules.resetsAt` is given).
 */
export async function reserveGeneration(db: Db, request: GenerationRequest, rules: QuotaRules): Promise<ReservationResult> {
  const row = toInsert(request, rules);
  const sql = quotaStatements(db.sqlite);
  // Every command runs this: one synchronous transaction (microseconds in SQLite) instead of five or six Prisma
  // round trips. Nothing else can run between the checks and the insert, so concurrent requests cannot race.
  return runImmediate(db.sqlite, (): ReservationResult => {
    const { guildId, userId } = request;
    const member = sql.member.get(guildId, userId);
    if (member?.blocked) return { ok: false, reason: "blocked" };

    if (rules.dailyLimit !== null) {
      const used = chargedCount(sql, guildId, userId, rules.day, member?.usageResetAt);
      if (used >= rules.dailyLimit) {
        return { ok: false, reason: "quota", used, limit: rules.dailyLimit, retryAt: rules.resetsAt };
      }
    }

    const active = sql.active.get(guildId, userId) ?? 0;
    if (active >= rules.maxQueued) return { ok: false, reason: "queue-cap", limit: rules.maxQueued };

    const waiting = sql.waitingEverywhere.get(userId) ?? 0;
    if (waiting >= rules.maxWaitingEverywhere) return { ok: false, reason: "global-queue-cap", limit: rules.maxWaitingEverywhere };

    if (rules.cooldownMs > 0) {
      const last = parseTime(sql.lastQueuedAt.get(guildId, userId));
      if (last && rules.now.getTime() - last.getTime() < rules.cooldownMs) {
        return { ok: false, reason: "cooldown", retryAt: new Date(last.getTime() + rules.cooldownMs) };
      }
    }

    const id = Number(sql.insert.run(row).lastInsertRowid);
    return { ok: true, generation: reservedRecord(id, request, rules) };
  });
}

/** The job left the queue and the model started on it (again, after a restart). Null if it already finished. */
export async function markRunning(db: Db, id: number, startedAt: Date = new Date()): Promise<GenerationRecord | null> {
  const current = await db.prisma.generation.findUnique({ where: { id } });
  if (!current) return null;
  const queueMs = Math.max(0, startedAt.getTime() - current.queuedAt.getTime());
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
    runMs: Math.round(timings.runMs),
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

/** Remembers the message that shows the job's queue position and progress. */
export async function setStatusMessage(db: Db, id: number, statusMessageId: string): Promise<GenerationRecord | null> {
  const { count } = await db.prisma.generation.updateMany({ where: { id }, data: { statusMessageId } });
  return count === 0 ? null : findById(db, id);
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
  const sql = quotaStatements(db.sqlite);
  // Both reads in one snapshot; deferred, so it takes no write lock and never waits.
  const used = db.sqlite.transaction(() => chargedCount(sql, guildId, userId, day, sql.member.get(guildId, userId)?.usageResetAt))();
  return { used };
}

/** When the member last asked for an image in this server (for cooldowns); null if never. */
export async function lastRequestAt(db: Db, guildId: string, userId: string): Promise<Date | null> {
  return parseTime(quotaStatements(db.sqlite).lastQueuedAt.get(guildId, userId));
}

/** Charged generations on `day`, those queued before the member's usage reset (stored text) excluded. */
function chargedCount(sql: QuotaStatements, guildId: string, userId: string, day: string, resetAt: string | null | undefined): number {
  return (resetAt ? sql.chargedSince.get(guildId, userId, day, resetAt) : sql.charged.get(guildId, userId, day)) ?? 0;
}

/** A DateTime column's stored text as a Date, as Prisma reads it. */
function parseTime(stored: string | null | undefined): Date | null {
  return stored ? new Date(stored) : null;
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

/** The request's own columns with absent optional values as null, shared by the insert and the returned record. */
function requestColumns(request: GenerationRequest) {
  return {
    guildId: request.guildId,
    channelId: request.channelId,
    userId: request.userId,
    kind: request.kind,
    prompt: request.prompt,
    negativePrompt: request.negativePrompt,
    strength: request.strength ?? null,
    steps: request.steps,
    guidance: request.guidance,
    scheduler: request.scheduler,
    width: request.width,
    height: request.height,
    inputHash: request.inputHash ?? null,
    model: request.model,
    interactionId: request.interactionId ?? null,
    interactionToken: request.interactionToken ?? null,
    parentId: request.parentId ?? null,
  };
}

function toInsert(request: GenerationRequest, rules: QuotaRules): GenerationInsert {
  if (request.seed < 0n || request.seed > MAX_SEED) {
    throw new RangeError(`Expected \`seed\` to be an unsigned 64-bit integer, got \`${request.seed}\``);
  }
  return {
    ...requestColumns(request),
    seed: request.seed.toString(),
    status: "queued",
    quotaDay: rules.day,
    charged: 1,
    queuedAt: toSqliteTime(rules.now),
  };
}

/**
 * The record of a row just inserted from `toInsert`, built from the same values rather than read back: a Prisma
 * query would cost more than the whole reservation. Equal, field by field, to what findById returns for it.
 */
function reservedRecord(id: number, request: GenerationRequest, rules: QuotaRules): GenerationRecord {
  return {
    id,
    ...requestColumns(request),
    seed: request.seed,
    status: "queued",
    error: null,
    statusMessageId: null,
    resultMessageId: null,
    quotaDay: rules.day,
    charged: true,
    // The stored text keeps milliseconds, so reading it back gives this same instant.
    queuedAt: new Date(rules.now.getTime()),
    startedAt: null,
    finishedAt: null,
    queueMs: null,
    runMs: null,
    stepMs: null,
  };
}

function toRecord(row: GenerationRow): GenerationRecord {
  return {
    ...row,
    kind: row.kind as GenerationKind,
    status: row.status as GenerationStatus,
    seed: BigInt(row.seed),
  };
}
