import type { BotContext } from "../discord/bot-context.ts";
import { fetchMemberFacts } from "../discord/member-info.ts";
import { threadParentOf } from "../discord/thread-parent.ts";
import type { ImageRequest } from "../services/request-gate.ts";

/** What a reaction remakes: the posted result's record (or the job planned from it). */
interface RemadeFrom {
  channelId: string;
  /** Who asked for the result reacted on: the server's reroll rule applies to anyone else. */
  userId: string;
  prompt: string;
  negativePrompt: string;
  steps: number;
  width: number;
  height: number;
}

/**
 * The gate's request for a member's reaction on a posted result (🔁 and the other actions, a grid's 1️⃣–4️⃣): in the
 * result's channel, the member's roles read from Discord, remaking `what` on behalf of `source`'s requester, and a
 * refusal repeated on the same message merged into one notice.
 */
export function reactionRequest(
  ctx: BotContext,
  on: { guildId: string; userId: string; messageId: string },
  source: { channelId: string; userId: string },
  what: Omit<RemadeFrom, "channelId" | "userId">,
): ImageRequest {
  return {
    guildId: on.guildId,
    channelId: source.channelId,
    parentChannelId: threadParentOf(ctx.client, source.channelId),
    userId: on.userId,
    member: () => fetchMemberFacts(ctx.client, on.guildId, on.userId),
    ask: { prompt: what.prompt, negativePrompt: what.negativePrompt, steps: what.steps, width: what.width, height: what.height },
    derivedFrom: { requesterId: source.userId },
    repeatKey: on.messageId,
  };
}
