import type { MessageReaction, PartialMessageReaction, PartialUser, User } from "discord.js";
import { findByResultMessageId, getGuildSettings, getMemberState, listRoleQuotas, setStatusMessage } from "../db/index.ts";
import type { BotContext } from "../discord/bot-context.ts";
import { CANCEL_EMOJI, REROLL_EMOJI, rerollQueuedContent } from "../discord/presenters/job-messages.ts";
import { randomSeed } from "../services/generation-service.ts";
import { canManage, canReroll, reservationRefusalMessage, resolveQuotaRules } from "../services/policy/index.ts";

/** How long a refusal notice for a reaction stays in the channel (a reaction cannot be answered privately). */
const NOTICE_TTL_MS = 20_000;

/**
 * 🔁 on a result queues the same parameters and stored input with a new seed (parameters come from the database,
 * so results from before a restart work); ❌ on a status message cancels that job. The bot's own reactions are
 * ignored. Never throws.
 */
export async function handleReactionAdd(
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  ctx: BotContext,
): Promise<void> {
  if (user.bot || user.id === ctx.client.user?.id) return;
  const emoji = reaction.emoji.name;
  if (emoji !== REROLL_EMOJI && emoji !== CANCEL_EMOJI) return;
  const message = reaction.message;
  if (!message.guildId) return;
  try {
    if (emoji === CANCEL_EMOJI) await cancelByReaction(ctx, message.id, message.guildId, user.id);
    else await reroll(ctx, reaction, user.id, message.guildId);
  } catch (error) {
    ctx.logger.error({ err: error, messageId: message.id, emoji }, "reaction handling failed");
  }
}

async function cancelByReaction(ctx: BotContext, messageId: string, guildId: string, userId: string): Promise<void> {
  const job = ctx.generations.findActiveByStatusMessage(messageId);
  if (!job) return;
  const manager = job.userId === userId ? false : await isManager(ctx, guildId, userId);
  await ctx.generations.cancel(job.id, userId, manager);
}

async function reroll(ctx: BotContext, reaction: MessageReaction | PartialMessageReaction, userId: string, guildId: string): Promise<void> {
  const parent = await findByResultMessageId(ctx.db, reaction.message.id);
  if (!parent) return;
  // Take the user's 🔁 away so it can be pressed again (needs Manage Messages; fine without).
  await reaction.users.remove(userId).catch(() => undefined);
  const settings = await getGuildSettings(ctx.db, guildId);
  const member = await ctx.client.guilds.cache.get(guildId)?.members.fetch(userId).catch(() => undefined);
  const roleIds = member ? [...member.roles.cache.keys()].filter((id) => id !== guildId) : [];
  const permissions = member?.permissions.bitfield ?? 0n;
  const isManagerMember = canManage({ memberPermissions: permissions, memberRoleIds: roleIds, settings });
  const notice = (text: string) => postNotice(ctx, parent.channelId, userId, text);
  if (!canReroll({ settings, requesterId: parent.userId, userId, isManager: isManagerMember })) {
    return notice("Only the person who asked for this image can reroll it in this server.");
  }
  if ((await getMemberState(ctx.db, guildId, userId)).blocked) return notice("You are blocked from using this bot in this server.");
  const now = new Date();
  const rules = resolveQuotaRules(settings, await listRoleQuotas(ctx.db, guildId), roleIds, now);
  const result = await ctx.generations.submit(
    {
      guildId,
      channelId: parent.channelId,
      userId,
      kind: parent.kind,
      prompt: parent.prompt,
      negativePrompt: parent.negativePrompt,
      strength: parent.strength,
      steps: parent.steps,
      guidance: parent.guidance,
      scheduler: parent.scheduler,
      width: parent.width,
      height: parent.height,
      seed: randomSeed(),
      inputHash: parent.inputHash,
      interactionId: null,
      interactionToken: null,
      parentId: parent.id,
    },
    rules,
    async (generation) => {
      const channel = await ctx.client.channels.fetch(parent.channelId);
      if (!channel?.isSendable()) throw new Error(`cannot send to channel ${parent.channelId}`);
      const status = await channel.send({
        content: rerollQueuedContent(parent, generation.id),
        reply: { messageReference: reaction.message.id, failIfNotExists: false },
        allowedMentions: { parse: [] },
      });
      await status.react(CANCEL_EMOJI).catch(() => undefined);
      return (await setStatusMessage(ctx.db, generation.id, status.id)) ?? generation;
    },
  );
  if (!result.ok) await notice(reservationRefusalMessage(result, now));
}

async function isManager(ctx: BotContext, guildId: string, userId: string): Promise<boolean> {
  const member = await ctx.client.guilds.cache.get(guildId)?.members.fetch(userId).catch(() => undefined);
  if (!member) return false;
  const settings = await getGuildSettings(ctx.db, guildId);
  return canManage({ memberPermissions: member.permissions.bitfield, memberRoleIds: [...member.roles.cache.keys()], settings });
}

async function postNotice(ctx: BotContext, channelId: string, userId: string, text: string): Promise<void> {
  const channel = await ctx.client.channels.fetch(channelId).catch(() => null);
  if (!channel?.isSendable()) return;
  const sent = await channel.send({ content: `<@${userId}> ${text}`, allowedMentions: { users: [userId] } });
  setTimeout(() => void sent.delete().catch(() => undefined), NOTICE_TTL_MS).unref();
}
