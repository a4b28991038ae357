import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from "discord.js";
import type { MessageMenuCommand } from "../discord/command.ts";
import { findMessageImage } from "../discord/modals/message-image.ts";
import { img2imgThisModal } from "../discord/modals/img2img-this-modal.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";

/** Apps → img2img this on any message with an image (anyone's): a form for the prompt and strength. */
export default {
  kind: "message-menu",
  data: new ContextMenuCommandBuilder().setName("img2img this").setType(ApplicationCommandType.Message).setContexts(InteractionContextType.Guild).toJSON(),
  async execute(interaction) {
    if (!findMessageImage(interaction.targetMessage)) throw new UserFacingError("That message has no image attachment or embedded image.");
    await interaction.showModal(img2imgThisModal(interaction.targetId));
  },
} satisfies MessageMenuCommand;
