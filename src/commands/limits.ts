import { MessageFlags } from "discord.js";
import type { SlashCommand } from "../discord/command.ts";
import { findLimitsAction, subcommandName } from "../discord/limits/limits-actions.ts";
import { LIMITS_COMMAND_DATA } from "../discord/limits/limits-command-data.ts";
import { settingsEmbed } from "../discord/limits/settings-embed.ts";
import { memberInfo } from "../discord/member-info.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";
import { getGuildSettings, listRoleQuotas } from "../db/index.ts";
import { checkManager } from "../services/policy/index.ts";

/**
 * `/limits`: show or change the server's limits (see docs/limits.md). Every subcommand that changes something is
 * for bot managers only (Manage Server, Administrator or a manager role), checked here at run time because a
 * server can re-grant the command to anyone. `show` is open to whoever the server lets run the command, but
 * only bot managers see the blocked words themselves. Every answer is ephemeral and carries the full settings.
 */
export default {
  kind: "slash",
  data: LIMITS_COMMAND_DATA,
  async execute(interaction, ctx) {
    if (!interaction.inGuild()) throw new UserFacingError("Use this command in a server.");
    const { guildId } = interaction;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const name = subcommandName(interaction.options);
    const action = findLimitsAction(name);

    const settings = await getGuildSettings(ctx.db, guildId);
    const { roleIds, permissions } = memberInfo(interaction);
    const manager = checkManager({ memberPermissions: permissions, memberRoleIds: roleIds, settings });
    if (action.changes && !manager.ok) throw new UserFacingError(manager.message);

    const note = await action.run({ options: interaction.options, db: ctx.db, guildId, userId: interaction.user.id, settings, models: ctx.models });
    if (action.changes) ctx.logger.info({ guildId, userId: interaction.user.id, action: name }, "limits changed");

    const [after, roleQuotas] = await Promise.all([getGuildSettings(ctx.db, guildId), listRoleQuotas(ctx.db, guildId)]);
    const botDefault = await ctx.models.defaultModel();
    const model = (after.defaultModel && (await ctx.models.find(after.defaultModel))) || botDefault;
    // No model at all: a fleet none of whose workers has published yet; nothing is said about a checker then.
    const safetyChecker = model ? await ctx.models.hasSafetyChecker(model) : undefined;
    await interaction.editReply({
      ...(note ? { content: note } : {}),
      embeds: [settingsEmbed(after, roleQuotas, { showBlockedWords: manager.ok, safetyChecker, botDefaultModel: botDefault?.name })],
      allowedMentions: { parse: [] },
    });
  },
} satisfies SlashCommand;
