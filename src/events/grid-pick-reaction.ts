import type { MessageReaction, PartialMessageReaction } from "discord.js";
import { findByResultMessageId } from "../db/index.ts";
import type { BotContext } from "../discord/bot-context.ts";
import { fetchMemberFacts } from "../discord/member-info.ts";
import type { GateRefusal } from "../services/request-gate.ts";
import { threadParentOf } from "../discord/thread-parent.ts";

/**
 * 1️⃣–4️⃣ on a grid posts that image alone (from the kept singles, no model run) as a result of its own, with its own
 * palette. It passes the gate's precheck like a reroll (the channel, a blocked member, who may remake someone's
 * result) and costs no quota: the image was paid for with the grid.
 */
export async function pickFromGrid(
  ctx: BotContext,
  reaction: MessageReaction | PartialMessageReaction,
  userId: string,
  guildId: string,
  index: number,
  notice: (channelId: string, text: string) => Promise<void>,
): Promise<void> {
  const grid = await findByResultMessageId(ctx.db, reaction.message.id);
  if (!grid || grid.imageCount < 2) return;
  await reaction.users.remove(userId).catch(() => undefined);
  const admitted = await ctx.gate.precheck({
    guildId,
    channelId: grid.channelId,
    parentChannelId: threadParentOf(ctx.client, grid.channelId),
    userId,
    member: () => fetchMemberFacts(ctx.client, guildId, userId),
    ask: { prompt: grid.prompt, negativePrompt: grid.negativePrompt, steps: grid.steps, width: grid.width, height: grid.height },
    derivedFrom: { requesterId: grid.userId },
    repeatKey: reaction.message.id,
  });
  if (!admitted.ok) return refused(admitted, grid.channelId, notice);
  const picked = await ctx.generations.pick(grid, index);
  if (!picked.ok) await notice(grid.channelId, picked.message);
}

function refused(refusal: GateRefusal, channelId: string, notice: (channelId: string, text: string) => Promise<void>): Promise<void> | undefined {
  return refusal.repeated ? undefined : notice(channelId, refusal.message);
}

