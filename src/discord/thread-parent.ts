import type { Client } from "discord.js";

/** The channel a thread belongs to (allowed-channel rules name the parent), or null for a channel that is no thread. */
export function threadParentOf(client: Client, channelId: string): string | null {
  const channel = client.channels.cache.get(channelId);
  return channel?.isThread() ? channel.parentId : null;
}
