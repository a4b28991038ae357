import { InteractionContextType, MessageFlags, SlashCommandBuilder } from "discord.js";
import type { SlashCommand } from "../discord/command.ts";
import { quotaEmbed } from "../discord/limits/quota-embed.ts";
import { loadQuotaStatus } from "../discord/limits/quota-status.ts";
import { memberInfo } from "../discord/member-info.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";

/** `/quota`: the member's own use today, what is left, when it resets, and their cooldown and queue cap (ephemeral). */
export default {
  kind: "slash",
  data: new SlashCommandBuilder()
    .setName("quota")
    .setDescription("How many images you have left today, and when your quota resets")
    .setContexts(InteractionContextType.Guild)
    .toJSON(),
  async execute(interaction, ctx) {
    if (!interaction.inGuild()) throw new UserFacingError("Use this command in a server.");
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { roleIds } = memberInfo(interaction);
    const status = await loadQuotaStatus(ctx.db, interaction.guildId, interaction.user.id, roleIds, new Date());
    await interaction.editReply({ embeds: [quotaEmbed(status)], allowedMentions: { parse: [] } });
  },
} satisfies SlashCommand;
