import { ModalBuilder } from "discord.js";
import { DEFAULT_STRENGTH, denoisingSteps } from "../../inference/index.ts";
import { withImg2ImgDefaults } from "../../services/model-defaults.ts";
import { STRENGTH_RANGE } from "../../services/policy/limit-ranges.ts";
import { prepareInputImage } from "../prepare-input-image.ts";
import { checkBeforeWork, submitGeneration } from "../submit-generation.ts";
import { UserFacingError } from "../user-facing-error.ts";
import { findMessageImage } from "./message-image.ts";
import { fieldNumber, fieldRow, fieldText } from "./modal-fields.ts";
import { modalCustomId, type ModalHandler } from "./modal-handler.ts";

export const IMG2IMG_THIS_PREFIX = "img2img-this";

/** The form for img2img on message `messageId` (in the channel the command was used in). */
export function img2imgThisModal(messageId: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(modalCustomId(IMG2IMG_THIS_PREFIX, messageId))
    .setTitle("img2img this")
    .addComponents(
      fieldRow({ id: "prompt", label: "Prompt", paragraph: true, placeholder: "What the result should show" }),
      fieldRow({ id: "negative_prompt", label: "Negative prompt", paragraph: true, required: false }),
      fieldRow({ id: "strength", label: `Strength (${STRENGTH_RANGE.min}–${STRENGTH_RANGE.max})`, value: String(DEFAULT_STRENGTH), maxLength: 10 }),
    );
}

/**
 * A submitted "img2img this": the message is read again (its image addresses are fresh then), its image downloaded
 * under the same rules as /img2img's attachments (allowed hosts, size and pixel limits, stored by hash for rerolls),
 * and the request goes through the gate with the model's defaults for what the form does not ask.
 */
export const img2imgThisHandler: ModalHandler = {
  prefix: IMG2IMG_THIS_PREFIX,
  async handle(interaction, messageId, ctx) {
    const prompt = fieldText(interaction, "prompt");
    if (!prompt) throw new UserFacingError("The prompt cannot be empty.");
    const negativePrompt = fieldText(interaction, "negative_prompt");
    const strength = fieldNumber(interaction, "strength", "The strength", STRENGTH_RANGE);
    await interaction.deferReply();
    const admitted = await checkBeforeWork(interaction, ctx, { prompt, negativePrompt, steps: undefined, width: undefined, height: undefined });
    const decided = withImg2ImgDefaults({ strength }, admitted.defaults, admitted.settings);
    denoisingSteps(decided.steps, decided.strength, decided.scheduler, admitted.defaults.lcmDistilled ?? false); // refuses a strength that leaves no step, before any download
    const channel = interaction.channelId ? await ctx.client.channels.fetch(interaction.channelId).catch(() => null) : null;
    const message = channel?.isTextBased() ? await channel.messages.fetch(messageId).catch(() => null) : null;
    const image = message ? findMessageImage(message) : undefined;
    if (!image) throw new UserFacingError("That message has no image any more (or I cannot read it).");
    const input = await prepareInputImage(ctx, image, { maxPixels: decided.width * decided.height, maxSide: admitted.settings.maxSide });
    await submitGeneration(interaction, ctx, admitted, { ...decided, kind: "img2img", prompt, negativePrompt, strength, seed: undefined, imageCount: 1, ...input });
  },
};
