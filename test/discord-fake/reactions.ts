import type { APIPartialEmoji } from "discord-api-types/v10";
import type { FakeContext } from "./fake-context.ts";
import { emitReactionAdd, emitReactionRemove } from "./gateway-events.ts";
import { emojiKey, type MessageRecord } from "./state-store.ts";

/** Stores a user's reaction and emits MESSAGE_REACTION_ADD; reacting twice changes nothing and emits nothing. */
export function addReaction(ctx: FakeContext, record: MessageRecord, userId: string, emoji: APIPartialEmoji): boolean {
  const key = emojiKey(emoji);
  let reaction = record.reactions.get(key);
  if (!reaction) {
    reaction = { emoji: { id: emoji.id, name: emoji.name, ...(emoji.animated ? { animated: true } : {}) }, userIds: new Set() };
    record.reactions.set(key, reaction);
  }
  if (reaction.userIds.has(userId)) return false;
  reaction.userIds.add(userId);
  emitReactionAdd(ctx, record, userId, reaction.emoji);
  return true;
}

/** Removes a user's reaction and emits MESSAGE_REACTION_REMOVE if there was one. */
export function removeReaction(ctx: FakeContext, record: MessageRecord, userId: string, emoji: APIPartialEmoji): boolean {
  const reaction = record.reactions.get(emojiKey(emoji));
  if (!reaction?.userIds.delete(userId)) return false;
  emitReactionRemove(ctx, record, userId, reaction.emoji);
  if (reaction.userIds.size === 0) record.reactions.delete(emojiKey(emoji));
  return true;
}

/** True for text Discord would accept as a unicode emoji (it rejects `:repeat:` or plain words with 10014). */
export function looksLikeUnicodeEmoji(text: string): boolean {
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(text);
}
