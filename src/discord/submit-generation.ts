import type { ChatInputCommandInteraction } from "discord.js";
import { getGuildSettings, getMemberState, listRoleQuotas, setStatusMessage } from "../db/index.ts";
import type { GenerationRequest, GuildSettingsRecord } from "../db/types.ts";
import type { SchedulerName } from "../inference/index.ts";
import { randomSeed } from "../services/generation-service.ts";
import { checkImageRequest, reservationRefusalMessage, resolveQuotaRules } from "../services/policy/index.ts";
import type { BotContext } from "./bot-context.ts";
import { memberInfo } from "./member-info.ts";
import { CANCEL_EMOJI } from "./presenters/job-messages.ts";
import { UserFacingError } from "./user-facing-error.ts";

/** What a command asks for: the stored request's parameters, with the seed still optional (random when absent). */
export type GenerationSubmission = Pick<
  GenerationRequest,
  "kind" | "prompt" | "negativePrompt" | "strength" | "steps" | "guidance" | "width" | "height" | "inputHash"
> & { scheduler: SchedulerName; seed: bigint | undefined };

/** The server's settings, after the checks that need no input image (so a refused request downloads nothing). */
export async function checkBeforeWork(
  interaction: ChatInputCommandInteraction<"cached" | "raw">,
  ctx: BotContext,
  request: { prompt: string; negativePrompt: string; steps: number; width?: number; height?: number },
): Promise<GuildSettingsRecord> {
  const settings = await getGuildSettings(ctx.db, interaction.guildId);
  const member = await getMemberState(ctx.db, interaction.guildId, interaction.user.id);
  const channel = interaction.channel;
  const verdict = checkImageRequest({
    settings,
    member,
    channelId: interaction.channelId,
    parentChannelId: channel && "parentId" in channel ? channel.parentId : null,
    prompt: request.prompt,
    negativePrompt: request.negativePrompt,
    steps: request.steps,
    // img2img sizes are fitted under maxSide after the download, so only txt2img's are checked here.
    width: request.width ?? settings.maxSide,
    height: request.height ?? settings.maxSide,
  });
  if (!verdict.ok) throw new UserFacingError(verdict.message);
  return settings;
}

/**
 * Reserves quota and records the job (one transaction), turns the deferred reply into its live status message,
 * then queues it. Refusals are UserFacingErrors; nothing is charged or queued for them.
 */
export async function submitGeneration(
  interaction: ChatInputCommandInteraction<"cached" | "raw">,
  ctx: BotContext,
  settings: GuildSettingsRecord,
  submission: GenerationSubmission,
): Promise<void> {
  const now = new Date();
  const { roleIds } = memberInfo(interaction);
  const rules = resolveQuotaRules(settings, await listRoleQuotas(ctx.db, interaction.guildId), roleIds, now);
  const result = await ctx.generations.submit(
    {
      ...submission,
      seed: submission.seed ?? randomSeed(),
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      userId: interaction.user.id,
      interactionId: interaction.id,
      interactionToken: interaction.token,
      parentId: null,
    },
    rules,
    async (generation) => {
      ctx.presenter.setUploadLimit(generation.id, interaction.attachmentSizeLimit);
      const message = await interaction.editReply({ content: `⏳ Queued as #${generation.id}…`, allowedMentions: { parse: [] } });
      await message.react(CANCEL_EMOJI).catch((error: unknown) => ctx.logger.warn({ err: error }, "could not add the cancel reaction"));
      return (await setStatusMessage(ctx.db, generation.id, message.id)) ?? generation;
    },
  );
  if (!result.ok) throw new UserFacingError(reservationRefusalMessage(result, now));
}
