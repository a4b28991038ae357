import { isValidTimeZone, quotaDay, quotaDayEnd } from "../../db/quota-day.ts";
import type { GuildLimits, QuotaRules, RoleQuotaRecord } from "../../db/types.ts";

/**
 * How many jobs one member may have waiting across every server: the bot's own cap (servers set their own lower
 * `maxQueuedPerUser`), so one member in many servers cannot fill the single shared queue.
 */
export const MAX_WAITING_EVERYWHERE = 50;

/**
 * The limits one member's next reservation is checked against (what reserveGeneration takes).
 *
 * - Daily limit: when any of the member's roles has an override, the most generous of those overrides (null,
 *   unlimited, beats any number), even if it is below the server's default: an override replaces the default,
 *   so admins can also give a role less. With no matching role, the server's `dailyImagesPerUser`.
 * - Day and reset: the calendar day `now` falls on in the server's time zone, and the next local midnight.
 *   A zone this runtime does not know (a damaged setting) falls back to UTC rather than failing every request.
 * - Cooldown and queue cap: the server's settings; the cap across servers: {@link MAX_WAITING_EVERYWHERE}.
 */
export function resolveQuotaRules(
  settings: GuildLimits,
  roleQuotas: readonly RoleQuotaRecord[],
  memberRoleIds: readonly string[],
  now: Date,
): QuotaRules {
  const timeZone = isValidTimeZone(settings.timeZone) ? settings.timeZone : "UTC";
  return {
    dailyLimit: resolveDailyLimit(settings.dailyImagesPerUser, roleQuotas, memberRoleIds),
    day: quotaDay(now, timeZone),
    resetsAt: quotaDayEnd(now, timeZone),
    maxQueued: settings.maxQueuedPerUser,
    maxWaitingEverywhere: MAX_WAITING_EVERYWHERE,
    cooldownMs: settings.cooldownSeconds * 1000,
    now,
  };
}

/** The most generous override among the member's roles, or `serverDefault` when none applies. null = unlimited. */
export function resolveDailyLimit(
  serverDefault: number,
  roleQuotas: readonly RoleQuotaRecord[],
  memberRoleIds: readonly string[],
): number | null {
  const roles = new Set(memberRoleIds);
  const overrides = roleQuotas.filter((quota) => roles.has(quota.roleId)).map((quota) => quota.dailyLimit);
  if (overrides.length === 0) return serverDefault;
  if (overrides.includes(null)) return null;
  return Math.max(...(overrides as number[]));
}
