import type { QuotaRules, ReservationResult } from "./types.ts";

/** What a reservation is decided on, read inside its transaction (the same on both engines). */
export interface MemberSnapshot {
  blocked: boolean;
  /** Images of charged generations on the rules' day, those queued before the member's usage reset excluded. */
  used: number;
  /** Queued or running generations in this server. */
  active: number;
  /** Queued (not yet running) generations in every server. */
  waiting: number;
  /** When the member last asked in this server; null if never. */
  lastQueuedAt: Date | null;
}

export type Refusal = Extract<ReservationResult, { ok: false }>;

/**
 * Why `rules` refuse one more job (of `images` images) to a member in the state `snapshot` describes, or null when it may be queued.
 * Checked in this order: blocked, quota, queue cap, the cap across servers, cooldown: every cap is checked before
 * anything is charged, so nothing can refuse the job later.
 */
export function refusalFor(snapshot: MemberSnapshot, rules: QuotaRules, images = 1): Refusal | null {
  if (snapshot.blocked) return { ok: false, reason: "blocked" };
  // All of a grid's images fit in what is left, or none is reserved.
  if (rules.dailyLimit !== null && snapshot.used + images > rules.dailyLimit) {
    return { ok: false, reason: "quota", used: snapshot.used, limit: rules.dailyLimit, retryAt: rules.resetsAt, ...(images > 1 && { asked: images }) };
  }
  if (snapshot.active >= rules.maxQueued) return { ok: false, reason: "queue-cap", limit: rules.maxQueued };
  if (snapshot.waiting >= rules.maxWaitingEverywhere) {
    return { ok: false, reason: "global-queue-cap", limit: rules.maxWaitingEverywhere };
  }
  const last = snapshot.lastQueuedAt;
  if (rules.cooldownMs > 0 && last && rules.now.getTime() - last.getTime() < rules.cooldownMs) {
    return { ok: false, reason: "cooldown", retryAt: new Date(last.getTime() + rules.cooldownMs) };
  }
  return null;
}
