import type { GuildLimits } from "../../db/types.ts";
import { ALLOWED, refuse, type GuardResult } from "./refusal.ts";

/** Discord permission bits (the same values as discord.js' PermissionFlagsBits, without importing it). */
export const ADMINISTRATOR = 1n << 3n;
export const MANAGE_GUILD = 1n << 5n;

/** Who is asking to manage the bot. */
export interface ManagerCandidate {
  /** The member's permissions in the server (discord.js: `member.permissions.bitfield`). */
  memberPermissions: bigint;
  memberRoleIds: readonly string[];
  settings: Pick<GuildLimits, "managerRoleIds">;
}

/**
 * Whether a member may change the bot's limits: Manage Server or Administrator, or any of the roles the
 * server's admins named as bot managers. Checked at run time even though `/limits` is registered for Manage
 * Server only, because a server can re-grant a command to anyone in its integration settings.
 */
export function canManage({ memberPermissions, memberRoleIds, settings }: ManagerCandidate): boolean {
  if ((memberPermissions & (MANAGE_GUILD | ADMINISTRATOR)) !== 0n) return true;
  return memberRoleIds.some((roleId) => settings.managerRoleIds.includes(roleId));
}

/** {@link canManage} as a guard. */
export function checkManager(candidate: ManagerCandidate): GuardResult {
  return canManage(candidate)
    ? ALLOWED
    : refuse("not-manager", "Only members with the Manage Server permission or a bot manager role can do this.");
}

/** Who asks to reroll whose result. */
export interface RerollAttempt {
  settings: Pick<GuildLimits, "rerollBy">;
  /** Who asked for the original image. */
  requesterId: string;
  /** Who is asking to reroll it. */
  userId: string;
  /** Whether `userId` can manage the bot (see canManage). */
  isManager: boolean;
}

/** Whether `userId` may reroll a result: anyone when the server allows it, else its requester; managers always. */
export function canReroll({ settings, requesterId, userId, isManager }: RerollAttempt): boolean {
  return isManager || settings.rerollBy === "anyone" || userId === requesterId;
}

/** {@link canReroll} as a guard. */
export function checkReroll(attempt: RerollAttempt): GuardResult {
  return canReroll(attempt)
    ? ALLOWED
    : refuse(
        "reroll-not-allowed",
        "On this server, only the person who asked for an image (or a bot manager) can reroll it.",
      );
}
