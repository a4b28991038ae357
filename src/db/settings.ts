import type { GuildMember, GuildSettings, RoleQuota } from "@prisma/client";
import type { Db } from "./client.ts";
import type { GuildLimits, GuildSettingsRecord, MemberState, NsfwPolicy, RerollBy, RoleQuotaRecord } from "./types.ts";

/** What a server that never set anything gets. Frozen, arrays included: copy before changing. */
export const DEFAULT_GUILD_SETTINGS: Readonly<GuildLimits> = Object.freeze({
  dailyImagesPerUser: 25,
  maxQueuedPerUser: 3,
  cooldownSeconds: 10,
  maxSteps: 50,
  maxSide: 768,
  allowedChannelIds: frozenEmpty(),
  rerollBy: "requester",
  blockedWords: frozenEmpty(),
  spoilerOutsideNsfw: false,
  timeZone: "UTC",
  managerRoleIds: frozenEmpty(),
  nsfwPolicy: "block",
  defaultModel: "",
  resultReactions: "all",
  livePreview: true,
  maxImagesPerRequest: 4,
});

function frozenEmpty(): string[] {
  return Object.freeze([]) as unknown as string[];
}

/** A server's limits; the defaults when it never changed any. */
export async function getGuildSettings(db: Db, guildId: string): Promise<GuildSettingsRecord> {
  const row = await db.prisma.guildSettings.findUnique({ where: { guildId } });
  return row ? toSettings(row) : { ...copyLimits(DEFAULT_GUILD_SETTINGS), guildId, updatedAt: null, updatedBy: null };
}

/**
 * Changes the limits named in `patch` (the others keep their value) and records who did it.
 * Values are stored as given: range checks belong to the caller, which can name the allowed range.
 *
 * @returns the full resulting settings.
 */
export async function updateGuildSettings(
  db: Db,
  guildId: string,
  patch: Partial<GuildLimits>,
  updatedBy: string,
): Promise<GuildSettingsRecord> {
  const data = { ...toColumns(patch), updatedBy };
  const row = await db.prisma.guildSettings.upsert({
    where: { guildId },
    create: { ...toColumns(DEFAULT_GUILD_SETTINGS), ...data, guildId },
    update: data,
  });
  return toSettings(row);
}

/** Puts every server limit back to its default (role quotas and member states are kept). */
export function resetGuildSettings(db: Db, guildId: string, updatedBy: string): Promise<GuildSettingsRecord> {
  return updateGuildSettings(db, guildId, DEFAULT_GUILD_SETTINGS, updatedBy);
}

/** Sets a role's daily quota override; `null` = unlimited. */
export async function setRoleQuota(
  db: Db,
  guildId: string,
  roleId: string,
  dailyLimit: number | null,
): Promise<RoleQuotaRecord> {
  const row = await db.prisma.roleQuota.upsert({
    where: { guildId_roleId: { guildId, roleId } },
    create: { guildId, roleId, dailyLimit },
    update: { dailyLimit },
  });
  return toRoleQuota(row);
}

/** Removes a role's override. @returns whether there was one. */
export async function clearRoleQuota(db: Db, guildId: string, roleId: string): Promise<boolean> {
  const { count } = await db.prisma.roleQuota.deleteMany({ where: { guildId, roleId } });
  return count > 0;
}

/** A server's role quota overrides, by role id. */
export async function listRoleQuotas(db: Db, guildId: string): Promise<RoleQuotaRecord[]> {
  const rows = await db.prisma.roleQuota.findMany({ where: { guildId }, orderBy: { roleId: "asc" } });
  return rows.map(toRoleQuota);
}

/** What admins decided about a member; not blocked and never reset when nothing was decided. */
export async function getMemberState(db: Db, guildId: string, userId: string): Promise<MemberState> {
  const row = await db.prisma.guildMember.findUnique({ where: { guildId_userId: { guildId, userId } } });
  return row ? toMemberState(row) : { guildId, userId, blocked: false, blockedReason: null, usageResetAt: null };
}

/** Stops a member from requesting images in this server. */
export function blockUser(db: Db, guildId: string, userId: string, reason: string | null = null): Promise<MemberState> {
  return updateMember(db, guildId, userId, { blocked: true, blockedReason: reason });
}

export function unblockUser(db: Db, guildId: string, userId: string): Promise<MemberState> {
  return updateMember(db, guildId, userId, { blocked: false, blockedReason: null });
}

/** Forgives today's use: generations queued before `at` no longer count against the member's quota. */
export function resetUsage(db: Db, guildId: string, userId: string, at: Date = new Date()): Promise<MemberState> {
  return updateMember(db, guildId, userId, { usageResetAt: at });
}

async function updateMember(
  db: Db,
  guildId: string,
  userId: string,
  data: Partial<Pick<GuildMember, "blocked" | "blockedReason" | "usageResetAt">>,
): Promise<MemberState> {
  const row = await db.prisma.guildMember.upsert({
    where: { guildId_userId: { guildId, userId } },
    create: { guildId, userId, ...data },
    update: data,
  });
  return toMemberState(row);
}

function toColumns(limits: Partial<GuildLimits>) {
  const { allowedChannelIds, blockedWords, managerRoleIds, ...plain } = limits;
  return {
    ...plain,
    ...(allowedChannelIds && { allowedChannelIds: JSON.stringify(allowedChannelIds) }),
    ...(blockedWords && { blockedWords: JSON.stringify(blockedWords) }),
    ...(managerRoleIds && { managerRoleIds: JSON.stringify(managerRoleIds) }),
  };
}

function toSettings(row: GuildSettings): GuildSettingsRecord {
  return {
    ...row,
    rerollBy: row.rerollBy as RerollBy,
    nsfwPolicy: row.nsfwPolicy as NsfwPolicy,
    allowedChannelIds: parseStringArray(row.allowedChannelIds),
    blockedWords: parseStringArray(row.blockedWords),
    managerRoleIds: parseStringArray(row.managerRoleIds),
  };
}

function copyLimits(limits: Readonly<GuildLimits>): GuildLimits {
  return {
    ...limits,
    allowedChannelIds: [...limits.allowedChannelIds],
    blockedWords: [...limits.blockedWords],
    managerRoleIds: [...limits.managerRoleIds],
  };
}

/** A hand-edited or damaged column reads as empty rather than taking the bot down. */
function parseStringArray(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}

function toRoleQuota(row: RoleQuota): RoleQuotaRecord {
  return { guildId: row.guildId, roleId: row.roleId, dailyLimit: row.dailyLimit };
}

function toMemberState(row: GuildMember): MemberState {
  return {
    guildId: row.guildId,
    userId: row.userId,
    blocked: row.blocked,
    blockedReason: row.blockedReason,
    usageResetAt: row.usageResetAt,
  };
}
