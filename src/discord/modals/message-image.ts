import type { Message } from "discord.js";

/** An image found on a message: an attachment's CDN address, or an embed image's Discord media proxy address. */
export interface MessageImage {
  url: string;
  /** The size Discord declared (attachments only). */
  size?: number;
}

/**
 * The first image on a message: an image attachment (by content type, or by the width Discord gives images), else an
 * embed's image or thumbnail through Discord's media proxy (its own address may be any site, which is not fetched).
 */
export function findMessageImage(message: Pick<Message, "attachments" | "embeds">): MessageImage | undefined {
  for (const attachment of message.attachments.values()) {
    if (attachment.contentType?.startsWith("image/") || (attachment.width ?? 0) > 0) return { url: attachment.url, size: attachment.size };
  }
  for (const embed of message.embeds) {
    const media = embed.image ?? embed.thumbnail;
    const url = media?.proxyURL ?? media?.url;
    if (url) return { url };
  }
  return undefined;
}
