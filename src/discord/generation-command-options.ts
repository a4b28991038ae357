import type { ChatInputCommandInteraction, SlashCommandOptionsOnlyBuilder } from "discord.js";
import { DEFAULT_STRENGTH, MAX_SEED, SAMPLER_LABELS, SCHEDULER_NAMES, type SchedulerName } from "../inference/index.ts";
import { IMAGE_COUNT_RANGE } from "../services/policy/limit-ranges.ts";
import { UserFacingError } from "./user-facing-error.ts";

/** Discord option names shared by /img2img and /txt2img. */
export { DEFAULT_STRENGTH };

/** Every scheduler the pipeline runs, named as the PNG parameters name it (A1111's sampler names). */
const SCHEDULER_CHOICES = SCHEDULER_NAMES.map((value) => ({ name: SAMPLER_LABELS[value], value }));

/** Adds the options both generation commands take, after their required ones. */
export function addCommonGenerationOptions(builder: SlashCommandOptionsOnlyBuilder): SlashCommandOptionsOnlyBuilder {
  builder
    .addStringOption((o) => o.setName("negative_prompt").setDescription("What the image should not show").setMaxLength(1000))
    .addIntegerOption((o) => o.setName("steps").setDescription("Denoising steps (default: the model's, e.g. 30, or 1 for SD-Turbo)").setMinValue(1).setMaxValue(150))
    .addNumberOption((o) => o.setName("guidance").setDescription("How closely to follow the prompt (default: the model's, e.g. 7.5; 0 for SD-Turbo)").setMinValue(0).setMaxValue(30))
    .addStringOption((o) => o.setName("seed").setDescription("Seed for the noise (0 to 18446744073709551615); random if empty").setMaxLength(20))
    .addStringOption((o) => o.setName("model").setDescription("The model to draw with (default: this server's)").setMaxLength(100).setAutocomplete(true))
    .addStringOption((o) => o.setName("scheduler").setDescription("Sampler (default: the model's own)").addChoices(...SCHEDULER_CHOICES))
    .addIntegerOption((o) =>
      o
        .setName("count")
        .setDescription(`Images, posted as a grid (${IMAGE_COUNT_RANGE.min}–${IMAGE_COUNT_RANGE.max}, default 1); each counts against your quota`)
        .setMinValue(IMAGE_COUNT_RANGE.min)
        .setMaxValue(IMAGE_COUNT_RANGE.max),
    );
  return builder;
}

/** The shared options as asked; steps, guidance and scheduler left empty take the model's defaults (see withModelDefaults). */
export interface CommonGenerationInput {
  prompt: string;
  negativePrompt: string;
  steps: number | undefined;
  guidance: number | undefined;
  seed: bigint | undefined;
  scheduler: SchedulerName | undefined;
  /** Images to make (a grid when more than 1). */
  imageCount: number;
}

/** Reads and checks the shared options; a bad value is a UserFacingError naming the allowed range. */
export function readCommonGenerationOptions(interaction: ChatInputCommandInteraction): CommonGenerationInput {
  const seed = parseSeedText(interaction.options.getString("seed"));
  const scheduler = (interaction.options.getString("scheduler") ?? undefined) as SchedulerName | undefined;
  if (scheduler !== undefined && !SCHEDULER_NAMES.includes(scheduler)) throw new UserFacingError(`Unknown scheduler \`${scheduler}\`.`);
  const imageCount = interaction.options.getInteger("count") ?? 1;
  if (imageCount < IMAGE_COUNT_RANGE.min || imageCount > IMAGE_COUNT_RANGE.max) {
    throw new UserFacingError(`The count must be from ${IMAGE_COUNT_RANGE.min} to ${IMAGE_COUNT_RANGE.max} images; got ${imageCount}.`);
  }
  return {
    prompt: interaction.options.getString("prompt", true),
    negativePrompt: interaction.options.getString("negative_prompt") ?? "",
    steps: interaction.options.getInteger("steps") ?? undefined,
    guidance: interaction.options.getNumber("guidance") ?? undefined,
    seed,
    scheduler,
    imageCount,
  };
}

/** A seed as a member types it (slash option or modal field): empty = random (undefined); else 0 to 2^64 − 1. */
export function parseSeedText(text: string | null | undefined): bigint | undefined {
  const seedText = text?.trim();
  if (!seedText) return undefined;
  if (!/^\d{1,20}$/.test(seedText) || BigInt(seedText) > MAX_SEED) {
    throw new UserFacingError(`The seed must be a whole number from 0 to ${MAX_SEED}; got \`${seedText.slice(0, 30)}\`.`);
  }
  return BigInt(seedText);
}
