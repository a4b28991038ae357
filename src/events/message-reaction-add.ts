import type { Client, Message, MessageReaction, PartialMessage, PartialMessageReaction, PartialUser, User } from "discord.js";
import { findByResultMessageId, getGuildSettings, type GenerationRecord } from "../db/index.ts";
import type { BotContext } from "../discord/bot-context.ts";
import { fetchMemberFacts } from "../discord/member-info.ts";
import { pickIndexOf } from "../discord/presenters/grid-picks.ts";
import { CANCEL_EMOJI, REROLL_EMOJI, rerollQueuedContent } from "../discord/presenters/job-messages.ts";
import { pickFromGrid } from "./grid-pick-reaction.ts";
import type { StatusMessageRef } from "../services/status-message-match.ts";
import { canManage } from "../services/policy/index.ts";
import { MemberUnavailableError, REFUSAL_NOTICE_MS, type GateRefusal } from "../services/request-gate.ts";

/**
 * 🔁 on a result asks the request gate for the same parameters and stored input with a new seed (parameters come
 * from the database, so results from before a restart work); ❌ on a status message cancels that job. The bot's
 * own reactions are ignored. Never throws.
 */
export async function handleReactionAdd(
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  ctx: BotContext,
): Promise<void> {
  if (user.bot || user.id === ctx.client.user?.id) return;
  const emoji = reaction.emoji.name;
  const pick = pickIndexOf(emoji);
  if (emoji !== REROLL_EMOJI && emoji !== CANCEL_EMOJI && pick === undefined) return;
  const message = reaction.message;
  if (!message.guildId) return;
  try {
    if (pick !== undefined) await pickFromGrid(ctx, reaction, user.id, message.guildId, pick, (channelId, text) => postNotice(ctx, channelId, user.id, text));
    else if (emoji === CANCEL_EMOJI) await cancelByReaction(ctx, message, message.guildId, user.id);
    else await reroll(ctx, reaction, user.id, message.guildId);
  } catch (error) {
    ctx.logger.error({ err: error, messageId: message.id, emoji }, "reaction handling failed");
  }
}

async function cancelByReaction(ctx: BotContext, message: Message | PartialMessage, guildId: string, userId: string): Promise<void> {
  const job = await findJobOfStatusMessage(ctx, message, guildId);
  if (!job) return;
  try {
    await ctx.generations.cancel(job.id, {
      userId,
      guildId,
      managesGuild: async () => {
        const member = await fetchMemberFacts(ctx.client, guildId, userId);
        const settings = await getGuildSettings(ctx.db, guildId);
        return canManage({ memberPermissions: member.permissions, memberRoleIds: member.roleIds, settings });
      },
    });
  } catch (error) {
    if (!(error instanceof MemberUnavailableError)) throw error;
    await postNotice(ctx, message.channelId, userId, `${error.message} Please try again.`);
  }
}

/**
 * The unfinished job this status message shows. Its stored id finds it at once; otherwise (the id was never
 * stored) the message is read for what it tells: the interaction it answers, or the result a reroll replies to.
 */
async function findJobOfStatusMessage(ctx: BotContext, message: Message | PartialMessage, guildId: string): Promise<GenerationRecord | undefined> {
  const ref: StatusMessageRef = { id: message.id, guildId, createdAt: message.createdAt };
  const job = await ctx.generations.findActiveByStatusMessage(ref);
  if (job || !(await ctx.generations.hasUnlinkedJobs(guildId))) return job;
  const full = message.partial ? await message.fetch().catch(() => undefined) : message;
  if (!full) return undefined;
  const byBot = full.author.id === ctx.client.user?.id;
  return ctx.generations.findActiveByStatusMessage({
    ...ref,
    interactionId: full.interactionMetadata?.id ?? null,
    botReplyTo: byBot && !full.interactionMetadata ? (full.reference?.messageId ?? null) : null,
  });
}

async function reroll(ctx: BotContext, reaction: MessageReaction | PartialMessageReaction, userId: string, guildId: string): Promise<void> {
  const parent = await findByResultMessageId(ctx.db, reaction.message.id);
  if (!parent) return;
  // Take the user's 🔁 away so it can be pressed again (needs Manage Messages; fine without).
  await reaction.users.remove(userId).catch(() => undefined);
  const notice = (refusal: GateRefusal) => (refusal.repeated ? undefined : postNotice(ctx, parent.channelId, userId, refusal.message));
  const admitted = await ctx.gate.precheck({
    guildId,
    channelId: parent.channelId,
    parentChannelId: threadParentOf(ctx.client, parent.channelId),
    userId,
    member: () => fetchMemberFacts(ctx.client, guildId, userId),
    ask: { prompt: parent.prompt, negativePrompt: parent.negativePrompt, steps: parent.steps, width: parent.width, height: parent.height },
    derivedFrom: { requesterId: parent.userId },
    repeatKey: reaction.message.id,
    // A reroll runs on the original's model (name and commit), or is refused saying that model is gone.
    model: { recorded: parent.model },
  });
  if (!admitted.ok) return notice(admitted);
  const result = await ctx.gate.submit(
    admitted.admitted,
    {
      kind: parent.kind,
      prompt: parent.prompt,
      negativePrompt: parent.negativePrompt,
      strength: parent.strength,
      steps: parent.steps,
      guidance: parent.guidance,
      scheduler: parent.scheduler,
      width: parent.width,
      height: parent.height,
      inputHash: parent.inputHash,
      interactionId: null,
      interactionToken: null,
      parentId: parent.id,
    },
    async (generation) => {
      const channel = await ctx.client.channels.fetch(parent.channelId);
      if (!channel?.isSendable()) throw new Error(`cannot send to channel ${parent.channelId}`);
      const status = await channel.send({
        content: rerollQueuedContent(parent, generation.id),
        reply: { messageReference: reaction.message.id, failIfNotExists: false },
        allowedMentions: { parse: [] },
      });
      // Not awaited: the job may be queued (and cancelled) before Discord has added the ❌.
      ctx.presenter.addReaction(status.channelId, status.id, CANCEL_EMOJI, "status");
      return status.id;
    },
  );
  if (!result.ok) await notice(result);
}

/** The parent channel when `channelId` is a thread (allowing a channel allows its threads). */
function threadParentOf(client: Client, channelId: string): string | null {
  const channel = client.channels.cache.get(channelId);
  return channel?.isThread() ? channel.parentId : null;
}

/** A reaction cannot be answered privately: a short notice mentioning the member, removed after a while. */
async function postNotice(ctx: BotContext, channelId: string, userId: string, text: string): Promise<void> {
  const channel = await ctx.client.channels.fetch(channelId).catch(() => null);
  if (!channel?.isSendable()) return;
  const sent = await channel.send({ content: `<@${userId}> ${text}`, allowedMentions: { users: [userId] } });
  setTimeout(() => void sent.delete().catch(() => undefined), REFUSAL_NOTICE_MS).unref();
}
