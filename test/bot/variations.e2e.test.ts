import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PermissionFlagsBits } from "discord.js";
import sharp from "sharp";
import { findByResultMessageId, type GenerationRecord } from "../../src/db/index.ts";
import { readPngText } from "../../src/inference/index.ts";
import { DEFAULT_BOT_PERMISSIONS, type RecordedCall } from "../discord-fake/index.ts";
import {
  OPTION,
  filesOf,
  generationCount,
  payloadOf,
  runCommand,
  sendImg2Img,
  sendTxt2Img,
  startHarness,
  waitForInteractionResult,
  type Harness,
} from "./harness.ts";

/** The bot's status message replying to `resultId` (the job a reaction queued), once posted. */
function statusReplyTo(h: Harness, resultId: string, after = 0): Promise<RecordedCall> {
  return h.fake.waitForCall(
    (c) =>
      h.fake.calls.indexOf(c) >= after &&
      c.method === "POST" &&
      c.route === `/channels/${h.channel.id}/messages` &&
      (payloadOf(c).message_reference as { message_id?: string } | undefined)?.message_id === resultId,
  );
}

/** Reacts `emoji` on a result and waits for the job it queued to post its image; returns the new result's record. */
async function reactAndWait(
  h: Harness,
  resultId: string,
  emoji: string,
  userId = h.users[0]!.id,
): Promise<{ status: RecordedCall; record: GenerationRecord; png: Buffer; embed: { title: string; fields: { name: string; value: string }[] } }> {
  const after = h.fake.calls.length;
  h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: resultId, userId, emoji });
  const status = await statusReplyTo(h, resultId, after);
  const statusId = newestReplyTo(h, resultId);
  const result = await h.fake.waitForCall((c) => c.method === "PATCH" && c.route === `/channels/${h.channel.id}/messages/${statusId}` && filesOf(c).length > 0, 60_000);
  const record = await waitForRecord(h, statusId);
  return { status, record, png: filesOf(result)[0]!.data, embed: (payloadOf(result).embeds as Array<{ title: string; fields: { name: string; value: string }[] }>)[0]! };
}

/** The bot's newest message replying to `resultId`. */
function newestReplyTo(h: Harness, resultId: string): string {
  const replies = h.fake.messages(h.channel.id).filter((m) => m.author.id === h.fake.botUser.id && m.message_reference?.message_id === resultId);
  return replies.at(-1)!.id;
}

async function waitForRecord(h: Harness, messageId: string): Promise<GenerationRecord> {
  for (;;) {
    const record = await findByResultMessageId(h.bot.ctx.db, messageId);
    if (record) return record;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function resultOf(h: Harness, interaction: Awaited<ReturnType<typeof sendImg2Img>>): Promise<{ id: string; record: GenerationRecord; png: Buffer }> {
  const call = await waitForInteractionResult(h, interaction);
  const id = h.fake.interaction(interaction.id).reply!.id;
  return { id, record: (await findByResultMessageId(h.bot.ctx.db, id))!, png: filesOf(call)[0]!.data };
}

/** The notice a refused reaction posts, mentioning the member. */
function noticeFor(h: Harness, userId: string, after: number, text: RegExp): Promise<RecordedCall> {
  return h.fake.waitForCall(
    (c) => h.fake.calls.indexOf(c) >= after && c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && text.test(String(payloadOf(c).content ?? "")) && String(payloadOf(c).content).includes(`<@${userId}>`),
  );
}

/** The reactions under a result, the status message's ❌ left out (a result posted in its status message keeps it a moment). */
const palette = (h: Harness, messageId: string) => [...h.fake.reactions(messageId).keys()].filter((emoji) => emoji !== "❌");

const lastSeq = (h: Harness) => h.fake.calls.length;

describe("reactions on every result, with the real worker on the tiny model", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { cooldownSeconds: 0, maxSide: 1024 } });
    h.fake.setBotPermissions(h.guild.id, null, DEFAULT_BOT_PERMISSIONS | PermissionFlagsBits.ManageMessages);
  });
  after(() => h.stop());

  test("the bot adds the server's palette under a result: 🔁 🔀 ⬆️ under txt2img, 🔼 🔽 too under img2img", async () => {
    const txt = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    await h.fake.waitForCall((c) => c.method === "PUT" && c.route.endsWith(`/messages/${txt.id}/reactions/⬆️/@me`));
    assert.deepEqual(palette(h, txt.id), ["🔁", "🔀", "⬆️"]);
    const img = await resultOf(h, await sendImg2Img(h, {}));
    await h.fake.waitForCall((c) => c.method === "PUT" && c.route.endsWith(`/messages/${img.id}/reactions/⬆️/@me`));
    assert.deepEqual(palette(h, img.id), ["🔁", "🔀", "🔼", "🔽", "⬆️"]);
  });

  test("🔀 makes a variation: same seed, a variation seed at strength 0.1, recorded in the PNG; the member's 🔀 is taken away", async () => {
    const parent = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "seed", type: OPTION.string, value: "777" }, { name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    const { status, record, png, embed } = await reactAndWait(h, parent.id, "🔀");
    assert.equal(embed.fields.find((f) => f.name === "Variation seed")?.value, `\`${record.variationSeed}\` at 0.1`);
    assert.match(String(payloadOf(status).content), new RegExp(`Variation of #${parent.record.id}`));
    assert.equal(record.seed, 777n);
    assert.equal(record.parentId, parent.record.id);
    assert.ok(record.variationSeed !== null);
    assert.equal(record.variationStrength, 0.1);
    const parameters = readPngText(png).parameters ?? "";
    assert.match(parameters, new RegExp(`Seed: 777, Variation seed: ${record.variationSeed}, Variation seed strength: 0\\.1`));
    assert.ok(!png.equals(parent.png), "the variation is another image");
    assert.ok(!h.fake.reactions(parent.id).get("🔀")?.has(h.users[0]!.id), "the member's 🔀 was taken away");
    const info = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name: "Generation info", targetMessageId: newestReplyTo(h, parent.id) });
    const answer = await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/interactions/${info.id}/${info.token}/callback`);
    assert.match(String((answer.body as { data?: { content?: string } }).data?.content), new RegExp(`\\*\\*Variation seed:\\*\\* \`${record.variationSeed}\` at 0\\.1`));
  });

  test("🔼 / 🔽 rerun an img2img result with strength ±0.15 on the same input and seed; refused clearly at the ends", async () => {
    const parent = await resultOf(h, await sendImg2Img(h, { extra: [{ name: "strength", type: OPTION.number, value: 0.6 }, { name: "seed", type: OPTION.string, value: "55" }] }));
    const up = await reactAndWait(h, parent.id, "🔼");
    assert.deepEqual([up.record.strength, up.record.seed, up.record.inputHash, up.record.kind], [0.75, 55n, parent.record.inputHash, "img2img"]);
    const down = await reactAndWait(h, parent.id, "🔽");
    assert.equal(down.record.strength, 0.45);

    const top = await resultOf(h, await sendImg2Img(h, { extra: [{ name: "strength", type: OPTION.number, value: 1 }] }));
    const before = await generationCount(h);
    const seq = lastSeq(h);
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: top.id, userId: h.users[0]!.id, emoji: "🔼" });
    await noticeFor(h, h.users[0]!.id, seq, /already has strength 1, the highest there is/);
    assert.equal(await generationCount(h), before, "nothing was queued");
  });

  test("🔼 under a txt2img result is refused saying why", async () => {
    const parent = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    const seq = lastSeq(h);
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: parent.id, userId: h.users[0]!.id, emoji: "🔼" });
    await noticeFor(h, h.users[0]!.id, seq, /img2img result's strength/);
  });

  test("⬆️ makes the result twice as large, refined with the same prompt and seed (tiling: test/inference/upscale.test.ts)", async () => {
    const parent = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "seed", type: OPTION.string, value: "31" }, { name: "width", type: OPTION.integer, value: 128 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    const { record, png, embed } = await reactAndWait(h, parent.id, "⬆️");
    assert.equal(embed.title, `upscale ×2 of #${parent.record.id}`);
    assert.deepEqual([record.kind, record.width, record.height, record.seed, record.prompt], ["upscale", 256, 128, 31n, parent.record.prompt]);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.width, meta.height], [256, 128]);
    assert.match(readPngText(png).parameters ?? "", /Seed: 31, Size: 256x128.*Denoising strength: 0\.3/);
  });

  test("⬆️ above the server's largest side is refused, costing nothing", async () => {
    await h.setLimits({ maxSide: 768 });
    try {
      const parent = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "width", type: OPTION.integer, value: 512 }, { name: "height", type: OPTION.integer, value: 512 }] }) as never);
      const before = await generationCount(h);
      const seq = lastSeq(h);
      h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: parent.id, userId: h.users[0]!.id, emoji: "⬆️" });
      await noticeFor(h, h.users[0]!.id, seq, /1024×1024, larger than this server's largest side \(768 px\)/);
      assert.equal(await generationCount(h), before);
    } finally {
      await h.setLimits({ maxSide: 1024 });
    }
  });

  test("a fast double tap on the same result and reaction queues one job", async () => {
    const parent = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    const user = h.users[0]!.id;
    const before = await generationCount(h);
    // The first tap's status message hangs, so the first tap is still being handled when the second arrives.
    h.fake.stall({ method: "POST", route: new RegExp(`^/channels/${h.channel.id}/messages$`) });
    const seq = lastSeq(h);
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: parent.id, userId: user, emoji: "🔀" });
    // The bot takes the first tap away, so the member can tap again at once.
    await h.fake.waitForCall((c) => h.fake.calls.indexOf(c) >= seq && c.method === "DELETE" && c.route.includes(`/messages/${parent.id}/reactions/🔀/${user}`));
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: parent.id, userId: user, emoji: "🔀" });
    // Events are handled in order: once a later command is answered, the second tap has been seen.
    await runCommand(h, { name: "quota", userId: user });
    h.fake.releaseStalls();
    await statusReplyTo(h, parent.id, seq);
    await h.bot.ctx.generations.onIdle();
    assert.equal(await generationCount(h), before + 1, "one job for two taps");
    assert.ok(h.fake.reactions(parent.id).get("🔀")?.has(user), "the ignored second tap was left alone");
  });

  test("a server's palette: only the chosen reactions are added, and the others are not taken", async () => {
    await h.setLimits({ resultReactions: "reroll upscale" });
    try {
      const parent = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
      await h.fake.waitForCall((c) => c.method === "PUT" && c.route.endsWith(`/messages/${parent.id}/reactions/⬆️/@me`));
      assert.deepEqual(palette(h, parent.id), ["🔁", "⬆️"]);
      const before = await generationCount(h);
      h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: parent.id, userId: h.users[0]!.id, emoji: "🔀" });
      await runCommand(h, { name: "quota" });
      await h.bot.ctx.generations.onIdle();
      assert.equal(await generationCount(h), before, "🔀 is off on this server");
    } finally {
      await h.setLimits({ resultReactions: "all" });
    }
  });

  test("quota applies: a refused 🔀 costs nothing", async () => {
    const parent = await resultOf(h, sendTxt2Img(h, { userId: h.users[2]!.id, extra: [{ name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    await h.setLimits({ dailyImagesPerUser: 1, rerollBy: "anyone" });
    try {
      const before = await generationCount(h);
      const seq = lastSeq(h);
      h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: parent.id, userId: h.users[2]!.id, emoji: "🔀" });
      await noticeFor(h, h.users[2]!.id, seq, /./);
      assert.equal(await generationCount(h), before);
    } finally {
      await h.setLimits({ dailyImagesPerUser: 25, rerollBy: "requester" });
    }
  });

  test("after a restart, 🔀 and ⬆️ on a result from before it work from the stored parameters", async () => {
    const parent = await resultOf(h, await sendImg2Img(h, { extra: [{ name: "seed", type: OPTION.string, value: "90" }] }));
    const small = await resultOf(h, sendTxt2Img(h, { extra: [{ name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] }) as never);
    await h.restart();
    const varied = await reactAndWait(h, parent.id, "🔀");
    assert.deepEqual([varied.record.seed, varied.record.inputHash, varied.record.kind], [90n, parent.record.inputHash, "img2img"]);
    const up = await reactAndWait(h, small.id, "⬆️");
    assert.deepEqual([up.record.kind, up.record.width, up.record.height, up.record.seed], ["upscale", 128, 128, small.record.seed]);
  });
});
