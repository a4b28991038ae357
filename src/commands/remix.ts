import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from "discord.js";
import { findByResultMessageId } from "../db/index.ts";
import type { MessageMenuCommand } from "../discord/command.ts";
import { canRemix, remixModal } from "../discord/modals/remix-modal.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";

/** Apps → Remix on one of the bot's results: a form prefilled with its parameters (see remix-modal.ts). */
export default {
  kind: "message-menu",
  data: new ContextMenuCommandBuilder().setName("Remix").setType(ApplicationCommandType.Message).setContexts(InteractionContextType.Guild).toJSON(),
  async execute(interaction, ctx) {
    const job = await findByResultMessageId(ctx.db, interaction.targetId);
    if (!job || job.guildId !== interaction.guildId) throw new UserFacingError("Remix works on my results; that message is not one of them.");
    if (!canRemix(job)) throw new UserFacingError("Remix works on txt2img and img2img results.");
    await interaction.showModal(remixModal(job));
  },
} satisfies MessageMenuCommand;
