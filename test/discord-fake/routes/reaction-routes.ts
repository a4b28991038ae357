import { ApiErrors } from "../api-error.ts";
import type { FakeContext } from "../fake-context.ts";
import { Permission } from "../permissions.ts";
import { addReaction, looksLikeUnicodeEmoji, removeReaction } from "../reactions.ts";
import type { RouteDefinition } from "../rest-router.ts";
import { emojiKey, parseEmoji } from "../state-store.ts";
import { channelMessage, requireBotPermissions } from "./access.ts";

const base = "/channels/:channelId/messages/:messageId/reactions";

/** Reaction routes: add/remove the bot's own, remove a user's (Manage Messages), list users. */
export function reactionRoutes(ctx: FakeContext): RouteDefinition[] {
  const { state } = ctx;
  const emojiOf = (text: string) => {
    const emoji = parseEmoji(text);
    if (emoji.id === null && !looksLikeUnicodeEmoji(text)) throw ApiErrors.unknownEmoji();
    return emoji;
  };
  return [
    {
      method: "PUT",
      pattern: `${base}/:emoji/@me`,
      auth: "bot",
      handle: ({ params }) => {
        const record = channelMessage(ctx, params.channelId, params.messageId);
        const emoji = emojiOf(params.emoji);
        // Adding to an existing reaction needs only Read Message History; a new one needs Add Reactions too.
        if (!record.reactions.has(emojiKey(emoji))) requireBotPermissions(ctx, params.channelId, Permission.AddReactions);
        addReaction(ctx, record, state.botUser.id, emoji);
        return { status: 204 };
      },
    },
    {
      method: "DELETE",
      pattern: `${base}/:emoji/@me`,
      auth: "bot",
      handle: ({ params }) => {
        removeReaction(ctx, channelMessage(ctx, params.channelId, params.messageId, false), state.botUser.id, emojiOf(params.emoji));
        return { status: 204 };
      },
    },
    {
      method: "DELETE",
      pattern: `${base}/:emoji/:userId`,
      auth: "bot",
      handle: ({ params }) => {
        const record = channelMessage(ctx, params.channelId, params.messageId, false);
        if (params.userId !== state.botUser.id) requireBotPermissions(ctx, params.channelId, Permission.ManageMessages);
        removeReaction(ctx, record, params.userId, emojiOf(params.emoji));
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: `${base}/:emoji`,
      auth: "bot",
      handle: ({ params, query }) => {
        const record = channelMessage(ctx, params.channelId, params.messageId);
        const limit = Math.min(Math.max(Number(query.get("limit") ?? 25), 1), 100);
        const userIds = [...(record.reactions.get(emojiKey(emojiOf(params.emoji)))?.userIds ?? [])].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
        const after = query.get("after");
        const page = userIds.filter((id) => !after || BigInt(id) > BigInt(after)).slice(0, limit);
        return { status: 200, body: page.map((id) => state.requireUser(id)) };
      },
    },
  ];
}
