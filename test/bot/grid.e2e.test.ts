import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { findByResultMessageId, usageToday, quotaDay } from "../../src/db/index.ts";
import { readPngText } from "../../src/inference/index.ts";
import type { RecordedCall } from "../discord-fake/index.ts";
import { filesOf, payloadOf, sendTxt2Img, startHarness, waitForInteractionResult, waitForOutcome, refusalOf, until, type Harness } from "./harness.ts";

const INTEGER = 4;

/** Reacts `emoji` on a grid and waits for the bot's post of the picked image (a new message with a file). */
async function pickAndWait(h: Harness, gridMessageId: string, emoji: string): Promise<RecordedCall> {
  const before = h.fake.calls.length;
  h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: gridMessageId, userId: h.users[0]!.id, emoji });
  return h.fake.waitForCall((c) => h.fake.calls.indexOf(c) >= before && c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && filesOf(c).length > 0, 30_000);
}

describe("grids: count 1–4, one grid image, 1️⃣–4️⃣ post one image alone", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { dailyImagesPerUser: 7, cooldownSeconds: 0 } });
  });
  after(() => h.stop());

  test("count 4 posts a 2×2 grid with 1️⃣–4️⃣, costs 4 images; 2️⃣ posts image 2 alone (seed + 1) as its own result, after a restart too", async () => {
    const interaction = sendTxt2Img(h, { prompt: "a grid of foxes", extra: [{ name: "count", type: INTEGER, value: 4 }, { name: "seed", type: 3, value: "100" }] });
    const result = await waitForInteractionResult(h, interaction);
    const gridFile = filesOf(result)[0]!;
    const grid = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(interaction.id).reply!.id);
    assert.ok(grid);
    assert.equal(grid.imageCount, 4);
    const meta = await sharp(gridFile.data).metadata();
    assert.deepEqual([meta.width, meta.height], [grid.width * 2, grid.height * 2]);
    const gridMessageId = grid.resultMessageId!;
    for (const emoji of ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]) {
      await h.fake.waitForCall((c) => c.method === "PUT" && c.route.endsWith(`/messages/${gridMessageId}/reactions/${emoji}/@me`), 30_000);
    }
    const day = quotaDay(new Date(), "UTC");
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, h.users[0]!.id, day)).used, 4);

    const picked = await pickAndWait(h, gridMessageId, "2️⃣");
    const file = filesOf(picked)[0]!;
    assert.match(readPngText(file.data).parameters ?? "", /Seed: 101,/);
    const posted = h.fake.messages(h.channel.id).at(-1)!;
    await until(async () => (await findByResultMessageId(h.bot.ctx.db, posted.id)) !== null, "the pick's record");
    const pick = (await findByResultMessageId(h.bot.ctx.db, posted.id))!;
    assert.deepEqual([pick.parentId, pick.gridIndex, pick.seed, pick.imageCount, pick.charged], [grid.id, 1, 101n, 1, false]);
    assert.match(String((payloadOf(picked).embeds as Array<{ footer: { text: string } }>)[0]!.footer.text), new RegExp(`image 2 of #${grid.id}`));
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, h.users[0]!.id, day)).used, 4, "a pick costs nothing");

    await h.restart();
    const afterRestart = await pickAndWait(h, gridMessageId, "4️⃣");
    assert.match(readPngText(filesOf(afterRestart)[0]!.data).parameters ?? "", /Seed: 103,/);

    // Picking is remaking someone's result: another member may not while the server says "requester".
    const bob = h.users[1]!.id;
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: gridMessageId, userId: bob, emoji: "3️⃣" });
    const notice = await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && String(payloadOf(c).content).includes(`<@${bob}>`), 15_000);
    assert.match(String(payloadOf(notice).content), /reroll|requester|only/i);
    assert.equal(await h.bot.ctx.db.prisma.generation.count({ where: { parentId: grid.id, gridIndex: 2 } }), 0);
  });

  test("the server's maximum images per request (/limits max_images) refuses a bigger grid, costing nothing", async () => {
    await h.setLimits({ maxImagesPerRequest: 2 });
    const interaction = sendTxt2Img(h, { prompt: "three", extra: [{ name: "count", type: INTEGER, value: 3 }] });
    assert.match(refusalOf(await waitForOutcome(h, interaction)), /at most 2 images per request; you asked for 3/);
    const day = quotaDay(new Date(), "UTC");
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, h.users[0]!.id, day)).used, 4);
    await h.setLimits({ maxImagesPerRequest: 4 });
  });

  test("a grid that does not fit in what is left of the quota is refused whole and costs nothing", async () => {
    const interaction = sendTxt2Img(h, { prompt: "too many", extra: [{ name: "count", type: INTEGER, value: 4 }] });
    assert.match(refusalOf(await waitForOutcome(h, interaction)), /That asks for 4 images, but you have 3 images left of 7 today/);
    const day = quotaDay(new Date(), "UTC");
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, h.users[0]!.id, day)).used, 4);
  });
});
