import assert from "node:assert/strict";
import { test } from "node:test";
import { Collection, type Message } from "discord.js";
import { findMessageImage } from "../../../src/discord/modals/message-image.ts";

function message(attachments: Array<Record<string, unknown>>, embeds: Array<Record<string, unknown>> = []): Pick<Message, "attachments" | "embeds"> {
  return { attachments: new Collection(attachments.map((a, i) => [String(i), a])), embeds } as unknown as Pick<Message, "attachments" | "embeds">;
}

test("an image attachment comes first, with its declared size; other files are skipped", () => {
  const found = findMessageImage(
    message([
      { url: "https://cdn.discordapp.com/a/notes.txt", contentType: "text/plain", size: 10 },
      { url: "https://cdn.discordapp.com/a/photo.jpg", contentType: "image/jpeg", size: 1234 },
    ]),
  );
  assert.deepEqual(found, { url: "https://cdn.discordapp.com/a/photo.jpg", size: 1234 });
  // No content type (old uploads): Discord's width says it is an image.
  assert.equal(findMessageImage(message([{ url: "https://cdn.discordapp.com/a/x", width: 64, size: 1 }]))?.url, "https://cdn.discordapp.com/a/x");
});

test("an embed's image is taken through Discord's media proxy, not from the site it links", () => {
  const embed = { image: { url: "https://example.com/cat.png", proxyURL: "https://media.discordapp.net/external/abc/https/example.com/cat.png" } };
  assert.deepEqual(findMessageImage(message([], [embed])), { url: embed.image.proxyURL });
  assert.equal(findMessageImage(message([], [{ thumbnail: { url: "https://x/t.png", proxyURL: "https://media.discordapp.net/t" } }]))?.url, "https://media.discordapp.net/t");
  assert.equal(findMessageImage(message([], [{ title: "no image" }])), undefined);
  assert.equal(findMessageImage(message([])), undefined);
});
