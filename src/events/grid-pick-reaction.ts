import type { MessageReaction, PartialMessageReaction } from "discord.js";
import { findByResultMessageId } from "../db/index.ts";
import type { BotContext } from "../discord/bot-context.ts";
import type { GateRefusal } from "../services/request-gate.ts";
import { reactionRequest } from "./reaction-request.ts";

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
  const admitted = await ctx.gate.precheck(reactionRequest(ctx, { guildId, userId, messageId: reaction.message.id }, grid, grid));
  if (!admitted.ok) return refused(admitted, grid.channelId, notice);
  const picked = await ctx.generations.pick(grid, index);
  if (!picked.ok) await notice(grid.channelId, picked.message);
}

function refused(refusal: GateRefusal, channelId: string, notice: (channelId: string, text: string) => Promise<void>): Promise<void> | undefined {
  return refusal.repeated ? undefined : notice(channelId, refusal.message);
}

