// What every guard returns: allowed, or refused with a reason code (for logs and tests) and a message for the user.

/** Why a request was refused. */
export type RefusalReason =
  | "channel"
  | "blocked-user"
  | "blocked-word"
  | "steps"
  | "size"
  | "count"
  | "prompt-length"
  | "prompt-control-chars"
  | "quota"
  | "queue-cap"
  | "global-queue-cap"
  | "member-unavailable"
  | "cooldown"
  | "reroll-not-allowed"
  | "not-manager"
  | "model";

/** A refused request. `message` is safe to show the user; `retryAt` says when trying again can succeed. */
export interface Refusal {
  ok: false;
  reason: RefusalReason;
  message: string;
  retryAt?: Date;
}

/** The outcome of a guard. */
export type GuardResult = { ok: true } | Refusal;

/** The allowed outcome, shared: guards never mutate it. */
export const ALLOWED: GuardResult = Object.freeze({ ok: true as const });

/** Builds a refusal; `retryAt` is left out entirely when not given (so results compare with deepEqual). */
export function refuse(reason: RefusalReason, message: string, retryAt?: Date): Refusal {
  return retryAt ? { ok: false, reason, message, retryAt } : { ok: false, reason, message };
}
