import { MessageFlags, type RepliableInteraction } from "discord.js";

/**
 * Tells the user something only they should see. A public deferred reply cannot become ephemeral, so it is
 * deleted and the message follows up ephemerally; otherwise a plain ephemeral reply.
 */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  const body = { content, flags: MessageFlags.Ephemeral as const, allowedMentions: { parse: [] } };
  if (interaction.deferred || interaction.replied) {
    if (interaction.deferred && !interaction.ephemeral) await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp(body);
  } else {
    await interaction.reply(body);
  }
}
