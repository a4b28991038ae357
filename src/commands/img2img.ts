import { InteractionContextType, SlashCommandBuilder } from "discord.js";
import type { SlashCommand } from "../discord/command.ts";
import { DEFAULT_STRENGTH, addCommonGenerationOptions, readCommonGenerationOptions } from "../discord/generation-command-options.ts";
import { prepareInputImage } from "../discord/prepare-input-image.ts";
import { denoisingSteps } from "../inference/index.ts";
import { checkBeforeWork, submitGeneration } from "../discord/submit-generation.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";
import { STRENGTH_RANGE } from "../services/policy/limit-ranges.ts";
import { withImg2ImgDefaults } from "../services/model-defaults.ts";

const SIZES = [
  { name: "512", value: 512 },
  { name: "640", value: 640 },
  { name: "768", value: 768 },
  { name: "384 (fast)", value: 384 },
];

const builder = new SlashCommandBuilder()
  .setName("img2img")
  .setDescription("Redraw an image from a prompt with Stable Diffusion")
  .setContexts(InteractionContextType.Guild)
  .addAttachmentOption((o) => o.setName("image").setDescription("The image to start from").setRequired(true))
  .addStringOption((o) => o.setName("prompt").setDescription("What the result should show").setRequired(true).setMaxLength(1000))
  .addNumberOption((o) => o.setName("strength").setDescription(`How much to change the image, ${STRENGTH_RANGE.min}–${STRENGTH_RANGE.max} (default: the model's, usually ${DEFAULT_STRENGTH})`).setMinValue(STRENGTH_RANGE.min).setMaxValue(STRENGTH_RANGE.max))
  .addIntegerOption((o) => o.setName("size").setDescription("Pixel budget (default: the model's native size): the output keeps the input's aspect ratio").addChoices(...SIZES));

export default {
  kind: "slash",
  data: addCommonGenerationOptions(builder).toJSON(),
  async execute(interaction, ctx) {
    if (!interaction.inGuild()) throw new UserFacingError("Use this command in a server.");
    await interaction.deferReply();
    const common = readCommonGenerationOptions(interaction);
    // The output size follows the input's aspect: checked (under the server's maxSide) once the image is fitted.
    const admitted = await checkBeforeWork(interaction, ctx, common);
    const side = interaction.options.getInteger("size") ?? undefined;
    // Empty options take the chosen model's defaults (its img2img steps and strength where it has them); the pixel
    // budget is its native size unless a size is picked.
    const strength = interaction.options.getNumber("strength") ?? undefined;
    const decided = withImg2ImgDefaults({ ...common, width: side, height: side, strength }, admitted.defaults, admitted.settings);
    denoisingSteps(decided.steps, decided.strength, decided.scheduler, admitted.defaults.lcmDistilled ?? false); // refuses a strength that leaves no step, before any download
    const input = await prepareInputImage(ctx, interaction.options.getAttachment("image", true), {
      maxPixels: decided.width * decided.height,
      maxSide: admitted.settings.maxSide,
    });
    await submitGeneration(interaction, ctx, admitted, { ...common, ...decided, kind: "img2img", ...input });
  },
} satisfies SlashCommand;
