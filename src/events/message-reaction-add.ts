import type { Message, MessageReaction, PartialMessage, PartialMessageReaction, PartialUser, User } from "discord.js";
import { findByResultMessageId, getGuildSettings, type GenerationRecord } from "../db/index.ts";
import type { BotContext } from "../discord/bot-context.ts";
import { fetchMemberFacts } from "../discord/member-info.ts";
import { pickIndexOf } from "../discord/presenters/grid-picks.ts";
import { CANCEL_EMOJI } from "../discord/presenters/job-messages.ts";
import { pickFromGrid } from "./grid-pick-reaction.ts";
import { actionQueuedContent } from "../discord/presenters/result-action-messages.ts";
import { jobForAction } from "../services/result-actions.ts";
import { actionOfEmoji, enabledResultActions, type ResultAction } from "../services/result-palette.ts";
import type { StatusMessageRef } from "../services/status-message-match.ts";
import { canManage } from "../services/policy/index.ts";
import { MemberUnavailableError, REFUSAL_NOTICE_MS, type GateRefusal } from "../services/request-gate.ts";
import { reactionRequest } from "./reaction-request.ts";

/**
 * A result's reactions (🔁 reroll, 🔀 variation, 🔼 / 🔽 strength, ⬆️ upscale; src/services/result-actions.ts) ask
 * the request gate for a job built from the result's stored parameters and input (so results from before a restart
 * work); ❌ on a status message cancels that job. The bot's own reactions are ignored. Never throws.
 */
export async function handleReactionAdd(
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  ctx: BotContext,
): Promise<void> {
  if (user.bot || user.id === ctx.client.user?.id) return;
  const emoji = reaction.emoji.name;
  const action = actionOfEmoji(emoji);
  const pick = pickIndexOf(emoji);
  if (!action && emoji !== CANCEL_EMOJI && pick === undefined) return;
  const message = reaction.message;
  const guildId = message.guildId;
  if (!guildId) return;
  try {
    if (emoji === CANCEL_EMOJI) await cancelByReaction(ctx, message, guildId, user.id);
    else if (pick !== undefined) {
      const notice = (channelId: string, text: string) => postNotice(ctx, channelId, user.id, text);
      await onceAtATime(ctx, `${message.id}:pick${pick}:${user.id}`, () => pickFromGrid(ctx, reaction, user.id, guildId, pick, notice));
    }
    else if (action) await onceAtATime(ctx, `${message.id}:${action}:${user.id}`, () => onResultAction(ctx, reaction, user.id, guildId, action));
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

/** Reactions being handled, per bot: `${message}:${action}:${member}`. */
const handling = new WeakMap<BotContext, Set<string>>();

/**
 * Runs `work` unless the same member's same reaction on the same message is still being handled: a fast double tap
 * (or Discord delivering the add twice) queues one job, not two.
 */
async function onceAtATime(ctx: BotContext, key: string, work: () => Promise<void>): Promise<void> {
  let keys = handling.get(ctx);
  if (!keys) handling.set(ctx, (keys = new Set()));
  if (keys.has(key)) return;
  keys.add(key);
  try {
    await work();
  } finally {
    keys.delete(key);
  }
}

async function onResultAction(
  ctx: BotContext,
  reaction: MessageReaction | PartialMessageReaction,
  userId: string,
  guildId: string,
  action: ResultAction,
): Promise<void> {
  const parent = await findByResultMessageId(ctx.db, reaction.message.id);
  if (!parent) return;
  const settings = await getGuildSettings(ctx.db, guildId);
  // A reaction the server left out of its palette is not taken, even when a member adds it themselves.
  if (!enabledResultActions(settings.resultReactions).includes(action)) return;
  // Take the member's reaction away so it can be pressed again (needs Manage Messages; fine without).
  await reaction.users.remove(userId).catch(() => undefined);
  const notice = (refusal: GateRefusal) => (refusal.repeated ? undefined : postNotice(ctx, parent.channelId, userId, refusal.message));
  const planned = jobForAction(action, parent, { maxSide: settings.maxSide });
  if (!planned.ok) return postNotice(ctx, parent.channelId, userId, planned.message);
  const job = planned.job;
  const admitted = await ctx.gate.precheck({
    ...reactionRequest(ctx, { guildId, userId, messageId: reaction.message.id }, parent, job),
    // A reroll runs on the original's model (name and commit), or is refused saying that model is gone.
    model: { recorded: parent.model },
  });
  if (!admitted.ok) return notice(admitted);
  const result = await ctx.gate.submit(
    admitted.admitted,
    job,
    async (generation) => {
      const channel = await ctx.client.channels.fetch(parent.channelId);
      if (!channel?.isSendable()) throw new Error(`cannot send to channel ${parent.channelId}`);
      const status = await channel.send({
        content: actionQueuedContent(action, parent, generation),
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

/** A reaction cannot be answered privately: a short notice mentioning the member, removed after a while. */
async function postNotice(ctx: BotContext, channelId: string, userId: string, text: string): Promise<void> {
  const channel = await ctx.client.channels.fetch(channelId).catch(() => null);
  if (!channel?.isSendable()) return;
  const sent = await channel.send({ content: `<@${userId}> ${text}`, allowedMentions: { users: [userId] } });
  setTimeout(() => void sent.delete().catch(() => undefined), REFUSAL_NOTICE_MS).unref();
}
