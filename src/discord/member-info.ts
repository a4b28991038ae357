import type { BaseInteraction, Client } from "discord.js";
import { MemberUnavailableError, type MemberFacts } from "../services/request-gate.ts";

/**
 * The one reading of a member's roles for the request gate and manager checks: their role ids in `guildId`
 * without @everyone (whose id is the server's: its quota is the server's own limit, and it cannot be a manager
 * role, see /limits), and their permissions.
 */
export function memberFacts(guildId: string, roleIds: Iterable<string>, permissions: bigint): MemberFacts {
  return { roleIds: [...roleIds].filter((id) => id !== guildId), permissions };
}

/** The member as the interaction carries them (a cached GuildMember or the raw API member alike). */
export function memberInfo(interaction: BaseInteraction): MemberFacts {
  const member = interaction.member;
  const roleIds = !member ? [] : Array.isArray(member.roles) ? member.roles : member.roles.cache.keys();
  return memberFacts(interaction.guildId ?? "", roleIds, interaction.memberPermissions?.bitfield ?? 0n);
}

/**
 * The member of `guildId` (from the cache that gateway events fill, else from Discord).
 *
 * @throws {MemberUnavailableError} when Discord cannot say (the server is not available, the request failed, the
 *   member left): never guess a member without roles.
 */
export async function fetchMemberFacts(client: Client, guildId: string, userId: string): Promise<MemberFacts> {
  try {
    const guild = client.guilds.cache.get(guildId) ?? (await client.guilds.fetch(guildId));
    const member = await guild.members.fetch(userId);
    return memberFacts(guildId, member.roles.cache.keys(), member.permissions.bitfield);
  } catch (error) {
    throw new MemberUnavailableError(error);
  }
}
