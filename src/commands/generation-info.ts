import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType, MessageFlags } from "discord.js";
import { findByResultMessageId } from "../db/index.ts";
import type { MessageMenuCommand } from "../discord/command.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";
import { parseModelLabel } from "../models/installed-models.ts";

export default {
  kind: "message-menu",
  data: new ContextMenuCommandBuilder()
    .setName("Generation info")
    .setType(ApplicationCommandType.Message)
    .setContexts(InteractionContextType.Guild)
    .toJSON(),
  async execute(interaction, ctx) {
    const job = await findByResultMessageId(ctx.db, interaction.targetId);
    if (!job) throw new UserFacingError("That message is not one of my results.");
    const lines = [
      `**#${job.id}** ${job.kind} by <@${job.userId}>${job.parentId ? `, reroll of #${job.parentId}` : ""}`,
      `**Prompt:** ${job.prompt}`,
      ...(job.negativePrompt ? [`**Negative prompt:** ${job.negativePrompt}`] : []),
      `**Seed:** \`${job.seed}\`${job.variationSeed !== null ? ` · **Variation seed:** \`${job.variationSeed}\` at ${job.variationStrength}` : ""} · **Steps:** ${job.steps}${job.strength !== null ? ` · **Strength:** ${job.strength}` : ""} · ` +
        `**Guidance:** ${job.guidance} · **Scheduler:** ${job.scheduler} · **Size:** ${job.width}×${job.height}`,
      `**Model:** ${modelText(job.model)}${job.runMs !== null ? ` · **Time:** ${(job.runMs / 1000).toFixed(1)} s` : ""}`,
    ];
    await interaction.reply({ content: lines.join("\n").slice(0, 2000), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies MessageMenuCommand;

/** The recorded model as its name and the hub commit it was pinned to (what a reroll needs to find it again). */
function modelText(label: string): string {
  const { name, commit } = parseModelLabel(label);
  return commit ? `${name} (commit \`${commit.slice(0, 12)}\`)` : name;
}
