import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PermissionFlagsBits } from "discord.js";
import { resetGuildSettings } from "../../src/db/index.ts";
import { DEFAULT_BOT_PERMISSIONS } from "../discord-fake/index.ts";
import { FakeInference, OPTION, generationCount, payloadOf, sendTxt2Img, startHarness, until, waitForInteractionResult, type Harness } from "./harness.ts";

/** 🔁 goes through the same request gate as the slash commands: every server rule, the member's real roles. */
describe("rerolls pass the request gate", () => {
  let h: Harness;
  let alice: string;
  /** The result message of a 320×320, 4-step txt2img of Alice's "a castle in the fog". */
  let resultId: string;

  /** The notices the bot posted in the test channel for `userId` since call index `since`. */
  function noticesFor(userId: string, since: number): string[] {
    return h.fake.calls
      .slice(since)
      .filter((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && String(payloadOf(c).content).startsWith(`<@${userId}> `))
      .map((c) => String(payloadOf(c).content));
  }

  /** Reacts 🔁 and waits for the notice it earns; checks nothing was queued or charged. */
  async function refusedReroll(userId = alice): Promise<string> {
    const before = await generationCount(h);
    const since = h.fake.calls.length;
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: resultId, userId, emoji: "🔁" });
    await until(() => noticesFor(userId, since).length > 0, "a refusal notice");
    assert.equal(await generationCount(h), before, "nothing was queued or charged");
    return noticesFor(userId, since)[0]!;
  }

  before(async () => {
    h = await startHarness({ inference: new FakeInference() });
    alice = h.users[0]!.id;
    // With Manage Messages the bot takes a member's 🔁 away, so it can be pressed again.
    h.fake.setBotPermissions(h.guild.id, null, DEFAULT_BOT_PERMISSIONS | PermissionFlagsBits.ManageMessages);
    const original = sendTxt2Img(h, {
      userId: alice,
      prompt: "a castle in the fog",
      extra: [
        { name: "width", type: OPTION.integer, value: 320 },
        { name: "height", type: OPTION.integer, value: 320 },
        { name: "steps", type: OPTION.integer, value: 4 },
      ],
    });
    await waitForInteractionResult(h, original);
    resultId = h.fake.interaction(original.id).reply!.id;
  });
  after(() => h.stop());
  beforeEach(async () => {
    await resetGuildSettings(h.bot.ctx.db, h.guild.id, "test");
    await h.setLimits({ cooldownSeconds: 0, maxQueuedPerUser: 10 });
    // A member's 🔁 from the last test is gone before the next one presses it.
    await until(() => !h.fake.reactions(resultId).get("🔁")?.has(alice), "the last 🔁 to be taken away");
  });

  test("a word blocked since the original refuses its reroll", async () => {
    await h.setLimits({ blockedWords: ["fog"] });
    assert.match(await refusedReroll(), /Your prompt contains "fog", which is blocked on this server/);
  });

  test("a channel no longer allowed refuses rerolls in it", async () => {
    const elsewhere = h.fake.addChannel(h.guild.id, { name: "elsewhere" });
    await h.setLimits({ allowedChannelIds: [elsewhere.id] });
    assert.match(await refusedReroll(), /Images can't be requested in this channel on this server/);
  });

  test("lowered max steps and max side refuse rerolls of bigger results", async () => {
    await h.setLimits({ maxSteps: 3 });
    assert.match(await refusedReroll(), /Steps must be a whole number from 1 to 3 on this server; you asked for 4/);
    await resetGuildSettings(h.bot.ctx.db, h.guild.id, "test");
    await h.setLimits({ cooldownSeconds: 0, maxSide: 256 });
    await until(() => !h.fake.reactions(resultId).get("🔁")?.has(alice), "the 🔁 to be taken away");
    assert.match(await refusedReroll(), /Width must be from 64 to 256 pixels on this server; you asked for 320/);
  });

  test("a member whose roles cannot be read is told so, and nothing is charged", async () => {
    await h.setLimits({ rerollBy: "anyone" });
    // Dave has never used the bot, so it has not seen his roles; the event brings no member, and Discord fails.
    const dave = h.fake.addUser({ username: "dave" });
    h.fake.addMember(h.guild.id, dave.id);
    h.fake.failNext({ method: "GET", route: new RegExp(`/guilds/${h.guild.id}/members/${dave.id}$`) }, 503, { times: 20 });
    const before = await generationCount(h);
    const since = h.fake.calls.length;
    h.fake.dispatch("MESSAGE_REACTION_ADD", {
      user_id: dave.id,
      channel_id: h.channel.id,
      message_id: resultId,
      guild_id: h.guild.id,
      emoji: { id: null, name: "🔁" },
      message_author_id: h.fake.botUser.id,
      burst: false,
      burst_colors: [],
      type: 0,
    });
    await until(() => noticesFor(dave.id, since).length > 0, "a notice to dave");
    assert.match(noticesFor(dave.id, since)[0]!, /could not check your roles on this server.*Nothing was queued or charged; please try again/);
    assert.equal(await generationCount(h), before, "nothing was queued or charged");
  });

  test("a member tapping 🔁 eight times over quota gets one notice, not eight", async () => {
    await h.setLimits({ dailyImagesPerUser: 1 });
    // Counts reservations tried (each tap reaches one), to know when a tap has been answered.
    const service = h.bot.ctx.generations;
    const submit = service.submit.bind(service);
    let submitted = 0;
    service.submit = async (...args) => {
      try {
        return await submit(...args);
      } finally {
        submitted++;
      }
    };
    const since = h.fake.calls.length;
    try {
      for (let tap = 1; tap <= 8; tap++) {
        h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: resultId, userId: alice, emoji: "🔁" });
        await until(() => submitted === tap, `tap ${tap} to be refused`);
        if (tap === 1) await until(() => noticesFor(alice, since).length === 1, "the first notice");
        await until(() => !h.fake.reactions(resultId).get("🔁")?.has(alice), "the 🔁 to be taken away");
      }
    } finally {
      service.submit = submit;
    }
    const notices = noticesFor(alice, since);
    assert.equal(notices.length, 1, `one notice: ${notices.join(" | ")}`);
    assert.match(notices[0]!, /You've used 1 of 1 image today/);
  });
});
