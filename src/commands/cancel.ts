import { InteractionContextType, MessageFlags, SlashCommandBuilder } from "discord.js";
import type { SlashCommand } from "../discord/command.ts";
import { memberInfo } from "../discord/member-info.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";
import { getGuildSettings } from "../db/index.ts";
import { canManage } from "../services/policy/index.ts";

const OUTCOMES = {
  cancelled: "Cancelled #%id; it was not counted against your quota.",
  cancelling: "Stopping #%id after the current step.",
  "not-found": "There is no queued or running job #%id.",
  "not-yours": "Job #%id is someone else's; only its requester or a bot manager of its server can cancel it.",
  finished: "Job #%id has already finished.",
} as const;

export default {
  kind: "slash",
  data: new SlashCommandBuilder()
    .setName("cancel")
    .setDescription("Cancel your queued or running image")
    .setContexts(InteractionContextType.Guild)
    .addIntegerOption((o) => o.setName("job").setDescription("The job number (default: your newest)").setMinValue(1))
    .toJSON(),
  async execute(interaction, ctx) {
    if (!interaction.inGuild()) throw new UserFacingError("Use this command in a server.");
    const requested = interaction.options.getInteger("job");
    const { guildId } = interaction;
    const id = requested ?? ctx.generations.latestJobOf(interaction.user.id, guildId)?.id;
    if (id === undefined) throw new UserFacingError("You have no queued or running job in this server.");
    const outcome = await ctx.generations.cancel(id, {
      userId: interaction.user.id,
      guildId,
      // Manager rights of this server, which count for this server's jobs only.
      managesGuild: async () => {
        const { roleIds, permissions } = memberInfo(interaction);
        return canManage({ memberPermissions: permissions, memberRoleIds: roleIds, settings: await getGuildSettings(ctx.db, guildId) });
      },
    });
    await interaction.reply({ content: OUTCOMES[outcome].replace("%id", String(id)), flags: MessageFlags.Ephemeral });
  },
} satisfies SlashCommand;
