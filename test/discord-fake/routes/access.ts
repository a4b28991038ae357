import { ApiErrors } from "../api-error.ts";
import type { FakeContext } from "../fake-context.ts";
import { Permission, hasPermissions } from "../permissions.ts";
import type { ChannelRecord, MessageRecord } from "../state-store.ts";

/** The channel, if the bot can see it: 10003 when unknown, 50001 without View Channel. */
export function visibleChannel(ctx: FakeContext, channelId: string): ChannelRecord {
  const channel = ctx.state.channels.get(channelId);
  if (!channel) throw ApiErrors.unknownChannel();
  if (!hasPermissions(ctx.state.botChannelPermissions(channelId), Permission.ViewChannel)) throw ApiErrors.missingAccess();
  return channel;
}

/** Throws 50013 Missing Permissions unless the bot holds every bit of `required` in the channel. */
export function requireBotPermissions(ctx: FakeContext, channelId: string, required: bigint): void {
  if (!hasPermissions(ctx.state.botChannelPermissions(channelId), required)) throw ApiErrors.missingPermissions();
}

/**
 * A message the bot token can see in this channel (not another channel's, not an ephemeral one): else 10008.
 * Reading a message or reacting needs Read Message History; editing or deleting one's own does not.
 */
export function channelMessage(ctx: FakeContext, channelId: string, messageId: string, needsHistory = true): MessageRecord {
  visibleChannel(ctx, channelId);
  if (needsHistory) requireBotPermissions(ctx, channelId, Permission.ReadMessageHistory);
  const record = ctx.state.messages.get(messageId);
  if (!record || record.ephemeral || record.message.channel_id !== channelId) throw ApiErrors.unknownMessage();
  return record;
}
