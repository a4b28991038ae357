import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { blockUser, clearRoleQuota, lastRequestAt, listRoleQuotas, resetGuildSettings, setRoleQuota, unblockUser } from "../../src/db/index.ts";
import {
  FakeInference,
  OPTION,
  filesOf,
  generationCount,
  refusalOf,
  sendTxt2Img,
  sendTxt2ImgIn,
  startHarness,
  until,
  waitForInteractionResult,
  waitForOutcome,
  type Harness,
} from "./harness.ts";

describe("limits enforced on /txt2img through the Discord fake: roles, cooldown, blocked words, channels, blocked members, spoilers", () => {
  let h: Harness;
  let alice: string;
  let bob: string;
  let carol: string;

  /** Sends a command that must be refused; checks that nothing was queued or charged for it. */
  async function expectRefused(send: () => ReturnType<typeof sendTxt2Img>): Promise<string> {
    const before = await generationCount(h);
    const outcome = await waitForOutcome(h, send());
    const message = refusalOf(outcome);
    assert.ok("ephemeral" in outcome && outcome.ephemeral, "a refusal is seen only by its member");
    assert.equal(await generationCount(h), before, "nothing was queued or charged");
    return message;
  }

  before(async () => {
    h = await startHarness({ inference: new FakeInference() });
    [alice, bob, carol] = h.users.map((u) => u.id) as [string, string, string];
  });
  after(() => h.stop());
  beforeEach(async () => {
    const { db } = h.bot.ctx;
    // Jobs from the last test finish first ("Queued as #…" shows before a job is in the queue: ask the database).
    const unfinished = () => db.prisma.generation.count({ where: { status: { in: ["queued", "running"] } } });
    await until(async () => (await unfinished()) === 0, "the last test's jobs to finish");
    await resetGuildSettings(db, h.guild.id, "test");
    await h.setLimits({ cooldownSeconds: 0, maxQueuedPerUser: 10 });
    for (const q of await listRoleQuotas(db, h.guild.id)) await clearRoleQuota(db, h.guild.id, q.roleId);
    for (const user of h.users) await unblockUser(db, h.guild.id, user.id);
    await db.prisma.generation.deleteMany({});
  });

  test("a role with an unlimited quota lets its members past the server's daily limit; others stop at it", async () => {
    await h.setLimits({ dailyImagesPerUser: 1 });
    const patrons = h.fake.addRole(h.guild.id, { name: "patrons" });
    await setRoleQuota(h.bot.ctx.db, h.guild.id, patrons.id, null);
    h.fake.addMember(h.guild.id, bob, { roles: [patrons.id] });
    try {
      for (let i = 0; i < 3; i++) {
        const outcome = await waitForOutcome(h, sendTxt2Img(h, { userId: bob, prompt: `patron ${i}` }));
        assert.ok("queued" in outcome, `the patron's request ${i + 1} was queued`);
      }
      assert.ok("queued" in (await waitForOutcome(h, sendTxt2Img(h, { userId: alice }))));
      assert.match(await expectRefused(() => sendTxt2Img(h, { userId: alice })), /You've used 1 of 1 image today; your quota resets <t:\d+:R>/);
      assert.equal(await generationCount(h, bob), 3);
    } finally {
      h.fake.addMember(h.guild.id, bob, {});
    }
  });

  test("a second request within the cooldown is refused with when to retry", async () => {
    await h.setLimits({ cooldownSeconds: 600 });
    assert.ok("queued" in (await waitForOutcome(h, sendTxt2Img(h, { userId: carol }))));
    const message = await expectRefused(() => sendTxt2Img(h, { userId: carol }));
    const last = await lastRequestAt(h.bot.ctx.db, h.guild.id, carol);
    const retryAt = Math.ceil((last!.getTime() + 600_000) / 1000);
    assert.match(message, /sending requests too quickly/);
    assert.ok(message.includes(`<t:${retryAt}:R>`), `names the retry time: ${message}`);
    // Another member is not slowed down by carol's cooldown.
    assert.ok("queued" in (await waitForOutcome(h, sendTxt2Img(h, { userId: alice }))));
  });

  test("blocked words in the prompt or the negative prompt refuse the request, whole words and any case", async () => {
    await h.setLimits({ blockedWords: ["gore"] });
    assert.match(await expectRefused(() => sendTxt2Img(h, { prompt: "a castle, GORE everywhere" })), /Your prompt contains "gore", which is blocked/);
    const negative = await expectRefused(() =>
      sendTxt2Img(h, { prompt: "a castle", extra: [{ name: "negative_prompt", type: OPTION.string, value: "blurry, gore" }] }),
    );
    assert.match(negative, /Your negative prompt contains "gore"/);
    // A word that merely contains the blocked one is fine.
    assert.ok("queued" in (await waitForOutcome(h, sendTxt2Img(h, { prompt: "a gorgeous castle" }))));
  });

  test("a channel not in the allowed list is refused, naming the allowed ones", async () => {
    const elsewhere = h.fake.addChannel(h.guild.id, { name: "general" });
    await h.setLimits({ allowedChannelIds: [h.channel.id] });
    const message = await expectRefused(() => sendTxt2ImgIn(h, elsewhere.id));
    assert.equal(message, `Images can't be requested in this channel on this server. Try <#${h.channel.id}>.`);
    assert.ok("queued" in (await waitForOutcome(h, sendTxt2ImgIn(h, h.channel.id))), "the allowed channel still works");
  });

  test("a blocked member is refused, with the admins' reason", async () => {
    await blockUser(h.bot.ctx.db, h.guild.id, bob, "spam");
    const message = await expectRefused(() => sendTxt2Img(h, { userId: bob }));
    assert.equal(message, "You've been blocked from requesting images on this server. Reason: spam");
  });

  test("with spoilers on, a result is a SPOILER_ file outside age-restricted channels and a plain one inside them", async () => {
    await h.setLimits({ spoilerOutsideNsfw: true });
    const nsfw = h.fake.addChannel(h.guild.id, { name: "nsfw-art", nsfw: true });
    const outside = filesOf(await waitForInteractionResult(h, sendTxt2Img(h)))[0]!;
    const inside = filesOf(await waitForInteractionResult(h, sendTxt2ImgIn(h, nsfw.id)))[0]!;
    assert.match(outside.filename, /^SPOILER_reroll-\d+-\d+\.png$/);
    assert.match(inside.filename, /^reroll-\d+-\d+\.png$/);

    await h.setLimits({ spoilerOutsideNsfw: false });
    const off = filesOf(await waitForInteractionResult(h, sendTxt2Img(h)))[0]!;
    assert.match(off.filename, /^reroll-/, "with the setting off, no spoiler anywhere");
  });
});
