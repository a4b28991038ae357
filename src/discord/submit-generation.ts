import type { ChatInputCommandInteraction, ModalSubmitInteraction } from "discord.js";
import type { GenerationRequest } from "../db/types.ts";
import type { SchedulerName } from "../inference/index.ts";
import type { AdmittedRequest, ImageRequest } from "../services/request-gate.ts";
import type { ModelChoice } from "../services/choose-model.ts";
import type { BotContext } from "./bot-context.ts";
import { memberInfo } from "./member-info.ts";
import { CANCEL_EMOJI } from "./presenters/job-messages.ts";
import { UserFacingError } from "./user-facing-error.ts";

// The slash commands' side of the request gate: the interaction gives the place and the member; refusals become
// UserFacingErrors (shown privately); the deferred reply becomes the job's status message.

/** What a command asks for: the stored request's parameters, with the seed still optional (random when absent). */
export type GenerationSubmission = Pick<
  GenerationRequest,
  "kind" | "prompt" | "negativePrompt" | "strength" | "steps" | "guidance" | "width" | "height" | "inputHash" | "imageCount"
> & { scheduler: SchedulerName; seed: bigint | undefined };

/** What asks through the gate from an interaction: a slash command, or a modal's submission (Remix, img2img this). */
export type GenerationInteraction = ChatInputCommandInteraction<"cached" | "raw"> | ModalSubmitInteraction<"cached" | "raw">;

/** A request derived from an earlier result (Remix): its model, and the rule on remaking someone's result. */
export interface DerivedFrom {
  requesterId: string;
  /** The result's recorded model. */
  model: string;
}

/**
 * The gate's checks that need no input image, so a refused request downloads nothing. Returns the admitted request
 * (its settings say the server's `maxSide`, which an input image is fitted under).
 */
export async function checkBeforeWork(
  interaction: GenerationInteraction,
  ctx: BotContext,
  ask: ImageRequest["ask"],
  derivedFrom?: DerivedFrom,
): Promise<AdmittedRequest> {
  const model: ModelChoice = derivedFrom
    ? { recorded: derivedFrom.model }
    : { picked: (interaction.isChatInputCommand() ? interaction.options.getString("model")?.trim() : undefined) || undefined };
  const channel = interaction.channel;
  const channelId = interaction.channelId;
  if (channelId === null) throw new UserFacingError("Use this in a channel of a server.");
  const verdict = await ctx.gate.precheck({
    guildId: interaction.guildId,
    channelId,
    parentChannelId: channel && "parentId" in channel ? channel.parentId : null,
    userId: interaction.user.id,
    member: async () => memberInfo(interaction),
    ask: { prompt: ask.prompt, negativePrompt: ask.negativePrompt, steps: ask.steps, width: ask.width, height: ask.height, imageCount: ask.imageCount },
    model,
    ...(derivedFrom && { derivedFrom: { requesterId: derivedFrom.requesterId } }),
  });
  if (!verdict.ok) throw new UserFacingError(verdict.message);
  return verdict.admitted;
}

/**
 * Submits through the gate: reservation (every cap, before charging), the deferred reply turned into the live
 * status message, the queue. Refusals are UserFacingErrors; nothing is charged or queued for them.
 */
export async function submitGeneration(
  interaction: GenerationInteraction,
  ctx: BotContext,
  admitted: AdmittedRequest,
  submission: GenerationSubmission,
  /** The result this request remakes (Remix). */
  parentId: number | null = null,
): Promise<void> {
  const { seed, ...parameters } = submission;
  const result = await ctx.gate.submit(
    admitted,
    { ...parameters, ...(seed !== undefined ? { seed } : {}), interactionId: interaction.id, interactionToken: interaction.token, parentId },
    async (generation) => {
      ctx.presenter.setUploadLimit(generation.id, interaction.attachmentSizeLimit);
      const message = await interaction.editReply({ content: `⏳ Queued as #${generation.id}…`, allowedMentions: { parse: [] } });
      // Not awaited: the job may be queued (and cancelled by /cancel) before Discord has added the ❌.
      ctx.presenter.addReaction(message.channelId, message.id, CANCEL_EMOJI, "status");
      return message.id;
    },
  );
  if (!result.ok) throw new UserFacingError(result.message);
}
