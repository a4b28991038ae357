import { InteractionContextType, SlashCommandBuilder } from "discord.js";
import type { SlashCommand } from "../discord/command.ts";
import { addCommonGenerationOptions, readCommonGenerationOptions } from "../discord/generation-command-options.ts";
import { checkBeforeWork, submitGeneration } from "../discord/submit-generation.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";
import { withModelDefaults } from "../services/model-defaults.ts";

const builder = new SlashCommandBuilder()
  .setName("txt2img")
  .setDescription("Draw an image from a prompt with Stable Diffusion")
  .setContexts(InteractionContextType.Guild)
  .addStringOption((o) => o.setName("prompt").setDescription("What the image should show").setRequired(true).setMaxLength(1000))
  .addIntegerOption((o) => o.setName("width").setDescription("Width in pixels, a multiple of 64 (default: the model's native size, e.g. 512)").setMinValue(256).setMaxValue(2048))
  .addIntegerOption((o) => o.setName("height").setDescription("Height in pixels, a multiple of 64 (default: the model's native size, e.g. 512)").setMinValue(256).setMaxValue(2048));

export default {
  kind: "slash",
  data: addCommonGenerationOptions(builder).toJSON(),
  async execute(interaction, ctx) {
    if (!interaction.inGuild()) throw new UserFacingError("Use this command in a server.");
    await interaction.deferReply();
    const common = readCommonGenerationOptions(interaction);
    const width = interaction.options.getInteger("width") ?? undefined;
    const height = interaction.options.getInteger("height") ?? undefined;
    for (const [name, side] of [["width", width], ["height", height]] as const) {
      if (side !== undefined && side % 64 !== 0) throw new UserFacingError(`The ${name} must be a multiple of 64 (Stable Diffusion's UNet halves it three times); got ${side}.`);
    }
    const admitted = await checkBeforeWork(interaction, ctx, { ...common, width, height });
    // Empty options take the chosen model's defaults (its native size capped by the server's max side).
    const decided = withModelDefaults({ ...common, width, height }, admitted.defaults, admitted.settings);
    await submitGeneration(interaction, ctx, admitted, { ...common, ...decided, kind: "txt2img", strength: null, inputHash: null });
  },
} satisfies SlashCommand;
