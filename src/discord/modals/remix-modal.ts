import { ModalBuilder } from "discord.js";
import { findById, type GenerationRecord } from "../../db/index.ts";
import { denoisingSteps, type SchedulerName } from "../../inference/index.ts";
import { MAX_STEPS_RANGE, STRENGTH_RANGE } from "../../services/policy/limit-ranges.ts";
import { parseSeedText } from "../generation-command-options.ts";
import { checkBeforeWork, submitGeneration } from "../submit-generation.ts";
import { UserFacingError } from "../user-facing-error.ts";
import { fieldNumber, fieldRow, fieldText } from "./modal-fields.ts";
import { modalCustomId, type ModalHandler } from "./modal-handler.ts";

export const REMIX_PREFIX = "remix";

/** The kinds of result a Remix can remake (its parameters are a prompt's and, for img2img, the stored input's). */
export function canRemix(job: GenerationRecord): boolean {
  return job.kind === "txt2img" || job.kind === "img2img";
}

/** The Remix form of a result, prefilled with its prompt, negative prompt, strength (img2img), steps and seed. */
export function remixModal(job: GenerationRecord): ModalBuilder {
  const rows = [
    fieldRow({ id: "prompt", label: "Prompt", value: job.prompt, paragraph: true }),
    fieldRow({ id: "negative_prompt", label: "Negative prompt", value: job.negativePrompt, paragraph: true, required: false }),
    ...(job.kind === "img2img"
      ? [fieldRow({ id: "strength", label: `Strength (${STRENGTH_RANGE.min}–${STRENGTH_RANGE.max})`, value: String(job.strength ?? ""), maxLength: 10 })]
      : []),
    fieldRow({ id: "steps", label: "Steps", value: String(job.steps), maxLength: 4 }),
    fieldRow({ id: "seed", label: "Seed (empty for a random one)", value: String(job.seed), required: false, maxLength: 20 }),
  ];
  return new ModalBuilder().setCustomId(modalCustomId(REMIX_PREFIX, String(job.id))).setTitle(`Remix #${job.id}`.slice(0, 45)).addComponents(rows);
}

/**
 * A submitted Remix: the edited request on the same input image (img2img), guidance, scheduler, size and model,
 * through the request gate like any request (the reroll rule applies to someone else's result); parent = the result.
 */
export const remixHandler: ModalHandler = {
  prefix: REMIX_PREFIX,
  async handle(interaction, argument, ctx) {
    const parent = await findById(ctx.db, Number(argument));
    if (!parent || parent.guildId !== interaction.guildId || !canRemix(parent)) throw new UserFacingError("That result can no longer be remixed.");
    const prompt = fieldText(interaction, "prompt");
    if (!prompt) throw new UserFacingError("The prompt cannot be empty.");
    const negativePrompt = fieldText(interaction, "negative_prompt");
    const strength = parent.kind === "img2img" ? fieldNumber(interaction, "strength", "The strength", STRENGTH_RANGE) : null;
    const steps = fieldNumber(interaction, "steps", "Steps", MAX_STEPS_RANGE, true);
    const seed = parseSeedText(fieldText(interaction, "seed"));
    const scheduler = parent.scheduler as SchedulerName;
    await interaction.deferReply();
    const ask = { prompt, negativePrompt, steps, width: parent.width, height: parent.height };
    const admitted = await checkBeforeWork(interaction, ctx, ask, { requesterId: parent.userId, model: parent.model });
    // Refuses a strength that leaves no step; whether LCM slices the schedule depends on the model (its defaults).
    if (strength !== null) denoisingSteps(steps, strength, scheduler, admitted.defaults.lcmDistilled ?? false);
    const submission = { kind: parent.kind, prompt, negativePrompt, strength, steps, guidance: parent.guidance, scheduler, seed };
    await submitGeneration(interaction, ctx, admitted, { ...submission, width: parent.width, height: parent.height, inputHash: parent.inputHash, imageCount: 1 }, parent.id);
  },
};
