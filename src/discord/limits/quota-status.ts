import {
  getGuildSettings,
  getMemberState,
  isValidTimeZone,
  lastRequestAt,
  listRoleQuotas,
  listUnfinished,
  usageToday,
  type Db,
} from "../../db/index.ts";
import { resolveQuotaRules } from "../../services/policy/index.ts";

/** Everything `/quota` tells a member about their limits right now. */
export interface QuotaStatus {
  /** Images counted against today's quota (refunds and usage resets excluded). */
  used: number;
  /** Images per day; null = unlimited. */
  dailyLimit: number | null;
  /** The role whose override sets `dailyLimit`; null when the server's own limit applies. */
  viaRoleId: string | null;
  /** When the quota day ends. */
  resetsAt: Date;
  /** The zone quota days follow. */
  timeZone: string;
  cooldownSeconds: number;
  /** When the member may send the next request, if their cooldown is still running; else null. */
  cooldownEndsAt: Date | null;
  maxQueued: number;
  /** The member's jobs waiting or running in this server. */
  activeJobs: number;
  blocked: boolean;
  blockedReason: string | null;
}

/** Gathers a member's quota status from the database, with the same rules a reservation would apply `now`. */
export async function loadQuotaStatus(db: Db, guildId: string, userId: string, roleIds: readonly string[], now: Date): Promise<QuotaStatus> {
  const [settings, roleQuotas, member, lastRequest, unfinished] = await Promise.all([
    getGuildSettings(db, guildId),
    listRoleQuotas(db, guildId),
    getMemberState(db, guildId, userId),
    lastRequestAt(db, guildId, userId),
    listUnfinished(db),
  ]);
  const rules = resolveQuotaRules(settings, roleQuotas, roleIds, now);
  const { used } = await usageToday(db, guildId, userId, rules.day);
  const applying = roleQuotas.filter((quota) => roleIds.includes(quota.roleId));
  const cooldownEndsAt = lastRequest && rules.cooldownMs > 0 ? new Date(lastRequest.getTime() + rules.cooldownMs) : null;
  return {
    used,
    dailyLimit: rules.dailyLimit,
    viaRoleId: applying.find((quota) => quota.dailyLimit === rules.dailyLimit)?.roleId ?? null,
    resetsAt: rules.resetsAt ?? now,
    timeZone: isValidTimeZone(settings.timeZone) ? settings.timeZone : "UTC",
    cooldownSeconds: settings.cooldownSeconds,
    cooldownEndsAt: cooldownEndsAt && cooldownEndsAt > now ? cooldownEndsAt : null,
    maxQueued: rules.maxQueued,
    activeJobs: unfinished.filter((job) => job.guildId === guildId && job.userId === userId).length,
    blocked: member.blocked,
    blockedReason: member.blockedReason,
  };
}
