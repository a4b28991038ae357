import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PermissionFlagsBits } from "discord.js";
import { findByResultMessageId } from "../../src/db/index.ts";
import { DEFAULT_BOT_PERMISSIONS } from "../discord-fake/index.ts";
import { filesOf, payloadOf, sendImg2Img, startHarness, waitForInteractionResult, waitForRerollReaction, type Harness } from "./harness.ts";
import type { RecordedCall } from "../discord-fake/index.ts";

/**
 * Reacts 🔁 on a result and waits for the reroll's result (the bot's status message, a reply to the result, edited
 * with a file). Each test rerolls a given result once, so the reply identifies the status message.
 */
async function rerollAndWait(h: Harness, resultMessageId: string, userId: string): Promise<{ status: RecordedCall; result: RecordedCall; messageId: string }> {
  h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: resultMessageId, userId, emoji: "🔁" });
  const status = await h.fake.waitForCall(
    (c) =>
      c.method === "POST" &&
      c.route === `/channels/${h.channel.id}/messages` &&
      (payloadOf(c).message_reference as { message_id?: string } | undefined)?.message_id === resultMessageId,
  );
  const statusId = (status as RecordedCall & { response?: { id: string } }).response?.id ?? newestBotMessage(h);
  const result = await h.fake.waitForCall(
    (c) => c.method === "PATCH" && c.route === `/channels/${h.channel.id}/messages/${statusId}` && filesOf(c).length > 0,
    30_000,
  );
  await waitForRerollReaction(h, statusId);
  return { status, result, messageId: statusId };
}

function newestBotMessage(h: Harness): string {
  const mine = h.fake.messages(h.channel.id).filter((m) => m.author.id === h.fake.botUser.id);
  return mine.at(-1)!.id;
}

describe("reroll by reaction", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    // Invited with Manage Messages, the bot takes a user's 🔁 away after a reroll so it can be pressed again.
    h.fake.setBotPermissions(h.guild.id, null, DEFAULT_BOT_PERMISSIONS | PermissionFlagsBits.ManageMessages);
  });
  after(() => h.stop());

  test("🔁 on a result queues the same parameters and stored input with a new seed, as a reply naming its parent", async () => {
    const interaction = await sendImg2Img(h, { extra: [{ name: "seed", type: 3, value: "4242" }] });
    await waitForInteractionResult(h, interaction);
    const original = h.fake.interaction(interaction.id).reply!;
    const parent = await findByResultMessageId(h.bot.ctx.db, original.id);
    assert.ok(parent);

    const { status, result, messageId } = await rerollAndWait(h, original.id, h.users[0]!.id);
    const reference = payloadOf(status).message_reference as { message_id: string } | undefined;
    assert.equal(reference?.message_id, original.id, "the reroll replies to the original");
    const file = filesOf(result)[0]!;
    assert.doesNotMatch(file.filename, /-4242\.png$/, "a new seed");
    const embed = (payloadOf(result).embeds as Array<{ footer: { text: string } }>)[0]!;
    assert.match(embed.footer.text, new RegExp(`reroll of #${parent.id}`));
    const child = await findByResultMessageId(h.bot.ctx.db, messageId);
    assert.ok(child);
    assert.equal(child.parentId, parent.id);
    assert.equal(child.inputHash, parent.inputHash);
    assert.deepEqual(
      [child.prompt, child.steps, child.strength, child.guidance, child.scheduler, child.width, child.height],
      [parent.prompt, parent.steps, parent.strength, parent.guidance, parent.scheduler, parent.width, parent.height],
    );
    assert.notEqual(child.seed, parent.seed);
    assert.ok(!h.fake.reactions(original.id).get("🔁")?.has(h.users[0]!.id), "the user's 🔁 was taken away");
  });

  test("the bot's own 🔁 and reactions on other messages are ignored", async () => {
    const before = h.fake.calls.length;
    const message = h.fake.addUserMessage({ channelId: h.channel.id, userId: h.users[1]!.id, content: "hello" });
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: message.id, userId: h.users[1]!.id, emoji: "🔁" });
    // A marker the bot does answer: once it has, the earlier reaction has been handled too.
    const marker = await sendImg2Img(h, {});
    await waitForInteractionResult(h, marker);
    const posts = h.fake.calls.slice(before).filter((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages`);
    assert.equal(posts.length, 0, "no reroll status message was posted");
  });

  test("another member cannot reroll someone's result unless the server allows it", async () => {
    const interaction = await sendImg2Img(h, {});
    await waitForInteractionResult(h, interaction);
    const original = h.fake.interaction(interaction.id).reply!;
    const since = Date.now();
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: original.id, userId: h.users[1]!.id, emoji: "🔁" });
    const notice = await h.fake.waitForCall(
      (c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && /only the person who asked/i.test(String(payloadOf(c).content)),
    );
    assert.ok(notice.at >= since);
    await h.setLimits({ rerollBy: "anyone" });
    await rerollAndWait(h, original.id, h.users[1]!.id);
  });

  test("rerolls work after a restart on the same database (parameters come from the database)", async () => {
    const interaction = await sendImg2Img(h, { prompt: "before the restart" });
    await waitForInteractionResult(h, interaction);
    const original = h.fake.interaction(interaction.id).reply!;
    await h.restart();
    const { result } = await rerollAndWait(h, original.id, h.users[0]!.id);
    assert.match(String((payloadOf(result).embeds as Array<{ description: string }>)[0]!.description), /before the restart/);
  });
});
