import { test } from "node:test";
import assert from "node:assert/strict";
import { REST, Routes } from "discord.js";
import sharp from "sharp";
import { BUCKETS, DiscordFake, GLOBAL_LIMIT } from "./discord-fake/index.ts";

const T = { timeout: 10_000 };

/** A raw request as Discord sees it, without discord.js' own rate limiting in the way. */
async function raw(fake: DiscordFake, method: string, path: string, auth = true): Promise<Response> {
  return fetch(`${fake.apiUrl}/v10${path}`, { method, headers: auth ? { authorization: `Bot ${fake.token}` } : {} });
}

async function world() {
  const fake = await DiscordFake.start();
  const guild = fake.addGuild();
  const channels = [fake.addChannel(guild.id), fake.addChannel(guild.id)] as const;
  const user = fake.addUser();
  const messages = channels.map((c) => fake.addUserMessage({ channelId: c.id, userId: user.id, content: "hi" }));
  return { fake, guild, channels, messages };
}

test("every answer carries X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket, errors included", T, async (t) => {
  const { fake, channels } = await world();
  t.after(() => fake.stop());
  for (const response of [await raw(fake, "GET", `/channels/${channels[0].id}`), await raw(fake, "GET", `/channels/${channels[0].id}`, false)]) {
    assert.equal(response.headers.get("x-ratelimit-limit"), String(BUCKETS.messageRead.limit));
    assert.ok(Number(response.headers.get("x-ratelimit-remaining")) >= 0);
    assert.ok(Number(response.headers.get("x-ratelimit-reset")) > Date.now() / 1000 - 1);
    assert.ok(Number(response.headers.get("x-ratelimit-reset-after")) > 0);
    assert.match(response.headers.get("x-ratelimit-bucket") ?? "", /^[0-9a-f]{32}$/);
  }
  assert.equal(fake.invalidRequestCount, 1, "the 401 counts as an invalid request");
});

test("reactions share one bucket per channel: a second one within 0.25 s gets 429 { message, retry_after, global: false }", T, async (t) => {
  const { fake, channels, messages } = await world();
  t.after(() => fake.stop());
  const react = (i: 0 | 1, emoji: string) => raw(fake, "PUT", `/channels/${channels[i].id}/messages/${messages[i]!.id}/reactions/${encodeURIComponent(emoji)}/@me`);
  assert.equal((await react(0, "🔁")).status, 204);
  const limited = await react(0, "❌");
  assert.equal(limited.status, 429);
  const body = (await limited.json()) as { message: string; retry_after: number; global: boolean };
  assert.equal(body.global, false);
  assert.ok(body.retry_after > 0 && body.retry_after <= BUCKETS.reactions.windowMs / 1000);
  assert.equal(limited.headers.get("retry-after"), String(body.retry_after));
  assert.equal(limited.headers.get("x-ratelimit-scope"), "user");
  assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  assert.equal((await react(1, "❌")).status, 204, "another channel has its own bucket");
  assert.equal(fake.rateLimitedCount, 1);
  assert.equal(fake.invalidRequestCount, 1);
  assert.equal(fake.reactions(messages[0]!.id).has("❌"), false, "the refused reaction was not added");
});

test("discord.js reads the headers and waits: no 429 for reactions sent back to back", T, async (t) => {
  const { fake, channels, messages } = await world();
  t.after(() => fake.stop());
  const rest = new REST({ version: "10", api: fake.apiUrl }).setToken(fake.token);
  const emojis = ["🔁", "❌", "⭐", "🎨", "✅"];
  await Promise.all(emojis.map((emoji) => rest.put(Routes.channelMessageOwnReaction(channels[0].id, messages[0]!.id, emoji))));
  assert.equal(fake.rateLimitedCount, 0);
  assert.equal(fake.reactions(messages[0]!.id).size, emojis.length);
});

test("the global limit: 50 bot requests per second, then 429 with X-RateLimit-Global; interaction webhooks are exempt", T, async (t) => {
  const { fake, guild, channels } = await world();
  t.after(() => fake.stop());
  // Different routes and channels, so no per-route bucket runs out first.
  const more = Array.from({ length: GLOBAL_LIMIT.limit / 2 }, () => fake.addChannel(guild.id).id);
  const paths = Array.from({ length: GLOBAL_LIMIT.limit }, (_, i) => (i % 2 ? `/guilds/${guild.id}` : `/channels/${more[i / 2]}`));
  const statuses = await Promise.all(paths.map((path) => raw(fake, "GET", path).then((r) => r.status)));
  assert.ok(!statuses.includes(429), `statuses: ${statuses.join(",")}`);
  const refused = await raw(fake, "GET", "/users/@me");
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("x-ratelimit-global"), "true");
  assert.equal(refused.headers.get("x-ratelimit-scope"), "global");
  assert.equal(((await refused.json()) as { global: boolean }).global, true);
  const sent = fake.sendSlashCommand({ guildId: guild.id, channelId: channels[0].id, userId: guild.ownerId, name: "exempt" });
  const callback = await fetch(`${fake.apiUrl}/v10/interactions/${sent.id}/${sent.token}/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: 5 }),
  });
  assert.equal(callback.status, 204, "interaction callbacks are not counted against the global limit");
});

test("an injected 502 is Cloudflare's HTML page, a 500 is Discord's JSON", T, async (t) => {
  const { fake, channels } = await world();
  t.after(() => fake.stop());
  fake.failNext({ method: "GET" }, 502);
  fake.failNext({ method: "GET" }, 500);
  const html = await raw(fake, "GET", `/channels/${channels[0].id}`);
  assert.equal(html.status, 502);
  assert.match(html.headers.get("content-type") ?? "", /text\/html/);
  assert.match(await html.text(), /<title>502 Bad Gateway<\/title>/);
  const json = await raw(fake, "GET", `/channels/${channels[0].id}`);
  assert.equal(json.status, 500);
  assert.deepEqual(await json.json(), { code: 0, message: "500: Internal Server Error" });
});

test("enforce_nonce: the same nonce within minutes returns the message already sent; after the window, a new one", T, async (t) => {
  const { fake, channels } = await world();
  t.after(() => fake.stop());
  const rest = new REST({ version: "10", api: fake.apiUrl }).setToken(fake.token);
  const post = (nonce: string, enforce = true) =>
    rest.post(Routes.channelMessages(channels[0].id), { body: { content: "result", nonce, enforce_nonce: enforce } }) as Promise<{ id: string }>;
  const first = await post("reroll-1");
  assert.equal((await post("reroll-1")).id, first.id, "deduplicated");
  assert.notEqual((await post("reroll-2")).id, first.id, "another nonce is another message");
  assert.notEqual((await post("reroll-1", false)).id, first.id, "without enforce_nonce the nonce is only echoed");
  fake.expireNonces();
  assert.notEqual((await post("reroll-1")).id, first.id, "Discord forgets nonces after a few minutes");
  await assert.rejects(post("x".repeat(26)), /Invalid Form Body/);
});

test("normalised, not echoed: attachments of every image format have a size, options' uploads are ephemeral, url ≠ proxy_url", T, async (t) => {
  const { fake } = await world();
  t.after(() => fake.stop());
  for (const format of ["png", "jpeg", "gif", "webp"] as const) {
    const bytes = await sharp({ create: { width: 97, height: 61, channels: 3, background: { r: 9, g: 9, b: 9 } } })[format]().toBuffer();
    const attachment = fake.addAttachment(bytes, { filename: `in.${format}`, contentType: `image/${format}` });
    assert.deepEqual([attachment.width, attachment.height], [97, 61], format);
    assert.equal(attachment.ephemeral, true);
    assert.notEqual(attachment.url, attachment.proxy_url);
    for (const url of [attachment.url, attachment.proxy_url]) assert.deepEqual(Buffer.from(await (await fetch(url)).arrayBuffer()), bytes);
  }
  const lossless = await sharp({ create: { width: 33, height: 20, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).webp({ lossless: true }).toBuffer();
  assert.deepEqual([fake.addAttachment(lossless).width, fake.addAttachment(lossless).height], [33, 20]);
});

test("normalised, not echoed: embed fields get inline: false, a non-string attachment description is dropped, users carry primary_guild", T, async (t) => {
  const { fake, channels } = await world();
  t.after(() => fake.stop());
  const rest = new REST({ version: "10", api: fake.apiUrl }).setToken(fake.token);
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
  const message = (await rest.post(Routes.channelMessages(channels[0].id), {
    body: { embeds: [{ title: "t", fields: [{ name: "a", value: "1" }, { name: "b", value: "2", inline: true }] }], attachments: [{ id: 0, description: 5 }] },
    files: [{ name: "out.png", data: png }],
  })) as { embeds: Array<{ fields: Array<{ inline: boolean }> }>; attachments: Array<{ description?: unknown }>; author: Record<string, unknown> };
  assert.deepEqual(message.embeds[0]?.fields.map((f) => f.inline), [false, true]);
  assert.equal("description" in (message.attachments[0] ?? {}), false);
  assert.equal(message.author.primary_guild, null);
  assert.equal(message.author.collectibles, null);
  assert.equal(fake.addUser().primary_guild, null);
});
