import type { Generation as GenerationRow, Prisma } from "@prisma/client";
import type { Db } from "./client.ts";
import { createSerializer, type Serializer } from "./serialize.ts";
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

const MAX_SEED = 2n ** 64n - 1n;

/**
 * Reservations on one Db run one at a time. The better-sqlite3 adapter shares a single connection, so SQLite's
 * locking cannot keep two of them apart; the adapter happens to queue transactions too, but the quota
 * guarantee should not rest on that detail (nor on Prisma's limit on waiting for a transaction).
 */
const reservationQueues = new WeakMap<Db, Serializer>();

/**
 * Checks a member's request against their limits and, when allowed, stores it as a queued generation that
 * counts against today's quota, all in one transaction: any number of concurrent requests from one member
 * never reserve more than `dailyLimit`. Checked in this order: blocked, quota, queue cap, cooldown.
 *
 * @returns the stored generation, or why not (with `used`/`limit` for "quota", `retryAt` for "cooldown",
 *   and for "quota" when `rules.resetsAt` is given).
 */
export async function reserveGeneration(db: Db, request: GenerationRequest, rules: QuotaRules): Promise<ReservationResult> {
  const data = toRow(request, rules);
  let serial = reservationQueues.get(db);
  if (!serial) reservationQueues.set(db, (serial = createSerializer()));
  return serial(() =>
    db.prisma.$transaction(async (tx): Promise<ReservationResult> => {
      const { guildId, userId } = request;
      const member = await tx.guildMember.findUnique({ where: { guildId_userId: { guildId, userId } } });
      if (member?.blocked) return { ok: false, reason: "blocked" };

      if (rules.dailyLimit !== null) {
        const used = await tx.generation.count({ where: chargedOn(guildId, userId, rules.day, member?.usageResetAt) });
        if (used >= rules.dailyLimit) {
          return { ok: false, reason: "quota", used, limit: rules.dailyLimit, retryAt: rules.resetsAt };
        }
      }

      const active = await tx.generation.count({
        where: { guildId, userId, status: { in: [...UNFINISHED_STATUSES] } },
      });
      if (active >= rules.maxQueued) return { ok: false, reason: "queue-cap", limit: rules.maxQueued };

      if (rules.cooldownMs > 0) {
        const last = await lastRequest(tx, guildId, userId);
        if (last && rules.now.getTime() - last.getTime() < rules.cooldownMs) {
          return { ok: false, reason: "cooldown", retryAt: new Date(last.getTime() + rules.cooldownMs) };
        }
      }

      return { ok: true, generation: toRecord(await tx.generation.create({ data })) };
    }),
  );
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
  const member = await db.prisma.guildMember.findUnique({ where: { guildId_userId: { guildId, userId } } });
  const used = await db.prisma.generation.count({ where: chargedOn(guildId, userId, day, member?.usageResetAt) });
  return { used };
}

/** When the member last asked for an image in this server (for cooldowns); null if never. */
export function lastRequestAt(db: Db, guildId: string, userId: string): Promise<Date | null> {
  return lastRequest(db.prisma, guildId, userId);
}

type Client = Db["prisma"] | Prisma.TransactionClient;

async function lastRequest(client: Client, guildId: string, userId: string): Promise<Date | null> {
  const last = await client.generation.findFirst({
    where: { guildId, userId },
    orderBy: { queuedAt: "desc" },
    select: { queuedAt: true },
  });
  return last?.queuedAt ?? null;
}

function chargedOn(guildId: string, userId: string, day: string, resetAt: Date | null | undefined) {
  return {
    guildId,
    userId,
    quotaDay: day,
    charged: true,
    ...(resetAt ? { queuedAt: { gte: resetAt } } : {}),
  } satisfies Prisma.GenerationWhereInput;
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

function toRow(request: GenerationRequest, rules: QuotaRules): Prisma.GenerationUncheckedCreateInput {
  if (request.seed < 0n || request.seed > MAX_SEED) {
    throw new RangeError(`Expected \`seed\` to be an unsigned 64-bit integer, got \`${request.seed}\``);
  }
  return {
    ...request,
    seed: request.seed.toString(),
    interactionId: request.interactionId ?? null,
    interactionToken: request.interactionToken ?? null,
    parentId: request.parentId ?? null,
    status: "queued",
    quotaDay: rules.day,
    charged: true,
    queuedAt: rules.now,
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
