import { PermissionFlagsBits, type BaseInteraction } from "discord.js";

/** The member's role ids and permissions as the interaction carries them (cached or raw API member alike). */
export function memberInfo(interaction: BaseInteraction): { roleIds: string[]; permissions: bigint } {
  const member = interaction.member;
  let roleIds: string[] = [];
  if (member) roleIds = Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
  const permissions = interaction.memberPermissions?.bitfield ?? 0n;
  return { roleIds: roleIds.filter((id) => id !== interaction.guildId), permissions };
}

export const MANAGE_GUILD = PermissionFlagsBits.ManageGuild;
