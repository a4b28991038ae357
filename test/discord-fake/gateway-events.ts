import type { APIPartialEmoji } from "discord-api-types/v10";
import { toApiMember, toApiMessage } from "./api-objects.ts";
import type { FakeContext } from "./fake-context.ts";
import type { MessageRecord } from "./state-store.ts";

// The dispatches Discord sends after REST writes. Ephemeral messages are private to one user: no events.

export function emitMessageCreate(ctx: FakeContext, record: MessageRecord): void {
  if (record.ephemeral) return;
  ctx.gateway.dispatch("MESSAGE_CREATE", messageEventData(ctx, record));
}

export function emitMessageUpdate(ctx: FakeContext, record: MessageRecord): void {
  if (record.ephemeral) return;
  ctx.gateway.dispatch("MESSAGE_UPDATE", messageEventData(ctx, record));
}

export function emitMessageDelete(ctx: FakeContext, record: MessageRecord): void {
  if (record.ephemeral) return;
  ctx.gateway.dispatch("MESSAGE_DELETE", { id: record.message.id, channel_id: record.message.channel_id, guild_id: record.guildId });
}

export function emitReactionAdd(ctx: FakeContext, record: MessageRecord, userId: string, emoji: APIPartialEmoji): void {
  const guild = ctx.state.requireGuild(record.guildId);
  ctx.gateway.dispatch("MESSAGE_REACTION_ADD", {
    user_id: userId,
    channel_id: record.message.channel_id,
    message_id: record.message.id,
    guild_id: record.guildId,
    member: toApiMember(ctx.state, guild, userId),
    emoji,
    message_author_id: record.message.author.id,
    burst: false,
    burst_colors: [],
    type: 0,
  });
}

export function emitReactionRemove(ctx: FakeContext, record: MessageRecord, userId: string, emoji: APIPartialEmoji): void {
  ctx.gateway.dispatch("MESSAGE_REACTION_REMOVE", {
    user_id: userId,
    channel_id: record.message.channel_id,
    message_id: record.message.id,
    guild_id: record.guildId,
    emoji,
    burst: false,
    type: 0,
  });
}

/** Guild message events carry `guild_id` and, for member authors, `member` without its `user`. */
function messageEventData(ctx: FakeContext, record: MessageRecord): Record<string, unknown> {
  const guild = ctx.state.requireGuild(record.guildId);
  const authorId = record.message.author.id;
  const isWebhook = Boolean(record.message.webhook_id);
  const member = !isWebhook && guild.members.has(authorId) ? toApiMember(ctx.state, guild, authorId) : undefined;
  if (member) delete (member as { user?: unknown }).user;
  return { ...toApiMessage(ctx.state, record), guild_id: record.guildId, ...(member ? { member } : {}) };
}
