import type { SqliteDb } from "./client.ts";
import { runImmediate } from "./immediate-transaction.ts";
import { quotaStatements, type QuotaStatements } from "./quota-statements.ts";
import { refusalFor, type MemberSnapshot } from "./reservation-check.ts";
import { requestColumns, reservedRecord, storedSeed, storedVariationSeed } from "./reservation-row.ts";
import { toSqliteTime } from "./sqlite-time.ts";
import type { GenerationRequest, QuotaRules, ReservationResult } from "./types.ts";

/**
 * The reservation on SQLite: one synchronous `BEGIN IMMEDIATE` transaction on the hot-path connection (microseconds)
 * instead of five or six Prisma round trips. Nothing else can run between the checks and the insert.
 */
export function reserveOnSqlite(db: SqliteDb, request: GenerationRequest, rules: QuotaRules): Promise<ReservationResult> {
  const row = {
    ...requestColumns(request),
    seed: storedSeed(request),
    variationSeed: storedVariationSeed(request),
    status: "queued",
    quotaDay: rules.day,
    charged: 1 as const,
    queuedAt: toSqliteTime(rules.now),
  };
  const sql = quotaStatements(db.sqlite);
  return runImmediate(db.sqlite, (): ReservationResult => {
    const refusal = refusalFor(snapshot(sql, request.guildId, request.userId, rules.day), rules, request.imageCount ?? 1);
    if (refusal) return refusal;
    const id = Number(sql.insert.run(row).lastInsertRowid);
    return { ok: true, generation: reservedRecord(id, request, rules) };
  });
}

/** How many images count against a member's quota on `day`, both reads in one snapshot (deferred: no lock). */
export function usedOnSqlite(db: SqliteDb, guildId: string, userId: string, day: string): number {
  const sql = quotaStatements(db.sqlite);
  return db.sqlite.transaction(() => chargedCount(sql, guildId, userId, day, sql.member.get(guildId, userId)?.usageResetAt))();
}

export function lastRequestOnSqlite(db: SqliteDb, guildId: string, userId: string): Date | null {
  return parseTime(quotaStatements(db.sqlite).lastQueuedAt.get(guildId, userId));
}

function snapshot(sql: QuotaStatements, guildId: string, userId: string, day: string): MemberSnapshot {
  const member = sql.member.get(guildId, userId);
  return {
    blocked: Boolean(member?.blocked),
    used: chargedCount(sql, guildId, userId, day, member?.usageResetAt),
    active: sql.active.get(guildId, userId) ?? 0,
    waiting: sql.waitingEverywhere.get(userId) ?? 0,
    lastQueuedAt: parseTime(sql.lastQueuedAt.get(guildId, userId)),
  };
}

/** Charged generations on `day`, those queued before the member's usage reset (stored text) excluded. */
function chargedCount(sql: QuotaStatements, guildId: string, userId: string, day: string, resetAt: string | null | undefined): number {
  return (resetAt ? sql.chargedSince.get(guildId, userId, day, resetAt) : sql.charged.get(guildId, userId, day)) ?? 0;
}

/** A DateTime column's stored text as a Date, as Prisma reads it. */
function parseTime(stored: string | null | undefined): Date | null {
  return stored ? new Date(stored) : null;
}
