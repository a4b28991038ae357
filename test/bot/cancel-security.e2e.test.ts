import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PermissionFlagsBits } from "discord.js";
import { findById, findByResultMessageId, updateGuildSettings } from "../../src/db/index.ts";
import type { FakeChannel, FakeGuild, FakeInteraction } from "../discord-fake/index.ts";
import { FakeInference, OPTION, payloadOf, sendTxt2Img, startHarness, until, waitForInteractionResult, waitForOutcome, type Harness } from "./harness.ts";

/** Who may cancel a job (its requester, or a manager of the job's own server) and how ❌ finds its job. */
describe("cancel: only the requester or a manager of the job's own server; ❌ finds its job", () => {
  let h: Harness;
  let inference: FakeInference;
  let other: { guild: FakeGuild; channel: FakeChannel };
  let alice: string;
  let bob: string;

  before(async () => {
    inference = new FakeInference();
    h = await startHarness({ inference });
    [alice, bob] = h.users.map((u) => u.id) as [string, string];
    // Bob owns another server with the bot in it, and is its admin; Alice is a member of both.
    const guild = h.fake.addGuild({ name: "bob's server", ownerId: bob });
    other = { guild, channel: h.fake.addChannel(guild.id, { name: "bobs-art" }) };
    h.fake.addMember(guild.id, alice);
    await updateGuildSettings(h.bot.ctx.db, guild.id, { cooldownSeconds: 0 }, "test");
  });
  after(() => h.stop());
  beforeEach(() => h.bot.ctx.generations.queue.pause());

  /** Sends `/cancel` and returns its private answer. */
  async function cancel(input: { userId: string; guildId: string; channelId: string; job?: number; permissions?: bigint }): Promise<string> {
    const interaction = h.fake.sendSlashCommand({
      guildId: input.guildId,
      channelId: input.channelId,
      userId: input.userId,
      name: "cancel",
      options: input.job === undefined ? [] : [{ name: "job", type: OPTION.integer, value: input.job }],
      ...(input.permissions !== undefined ? { permissions: input.permissions } : {}),
    });
    const call = await h.fake.waitForCall((c) => c.method === "POST" && c.route.includes(`/interactions/${interaction.id}/`));
    return String((payloadOf(call).data as { content?: string } | undefined)?.content ?? "");
  }

  async function queuedJob(interaction: FakeInteraction): Promise<number> {
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, "the job was queued");
    return outcome.queued;
  }

  test("an admin of another server cannot cancel a job by its number", async () => {
    const id = await queuedJob(sendTxt2Img(h, { userId: alice, prompt: "cross-server target" }));
    const answer = await cancel({ userId: bob, guildId: other.guild.id, channelId: other.channel.id, job: id, permissions: PermissionFlagsBits.Administrator });
    assert.match(answer, /someone else's/);
    assert.equal((await findById(h.bot.ctx.db, id))?.status, "queued", "the job is still queued");

    // A manager of the job's own server still can.
    const own = await cancel({ userId: bob, guildId: h.guild.id, channelId: h.channel.id, job: id, permissions: PermissionFlagsBits.ManageGuild });
    assert.match(own, new RegExp(`Cancelled #${id}`));
    assert.equal((await findById(h.bot.ctx.db, id))?.status, "cancelled");
  });

  test("/cancel without a number cancels the caller's newest job in this server only", async () => {
    const id = await queuedJob(sendTxt2Img(h, { userId: alice, prompt: "stays in its server" }));
    const elsewhere = await cancel({ userId: alice, guildId: other.guild.id, channelId: other.channel.id });
    assert.equal(elsewhere, "You have no queued or running job in this server.");
    assert.equal((await findById(h.bot.ctx.db, id))?.status, "queued");
    assert.match(await cancel({ userId: alice, guildId: h.guild.id, channelId: h.channel.id }), new RegExp(`Cancelled #${id}`));
  });

  test("❌ by a bot manager (a manager role of the job's server) cancels; a member whose roles cannot be read is told so", async () => {
    const interaction = sendTxt2Img(h, { userId: alice, prompt: "cancelled by a manager" });
    const id = await queuedJob(interaction);
    const statusId = h.fake.interaction(interaction.id).reply!.id;
    // Dave has never used the bot, so it has not seen his roles; the event brings no member, and Discord fails.
    const dave = h.fake.addUser({ username: "dave" });
    h.fake.addMember(h.guild.id, dave.id);
    h.fake.failNext({ method: "GET", route: new RegExp(`/guilds/${h.guild.id}/members/${dave.id}$`) }, 503, { times: 20 });
    h.fake.dispatch("MESSAGE_REACTION_ADD", {
      user_id: dave.id,
      channel_id: h.channel.id,
      message_id: statusId,
      guild_id: h.guild.id,
      emoji: { id: null, name: "❌" },
      message_author_id: h.fake.botUser.id,
      burst: false,
      burst_colors: [],
      type: 0,
    });
    await h.fake.waitForCall(
      (c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && /^<@\d+> I could not check your roles/.test(String(payloadOf(c).content)),
    );
    assert.equal((await findById(h.bot.ctx.db, id))?.status, "queued");

    const managers = h.fake.addRole(h.guild.id, { name: "bot managers" });
    await updateGuildSettings(h.bot.ctx.db, h.guild.id, { managerRoleIds: [managers.id] }, "test");
    const carol = h.users[2]!.id;
    h.fake.addMember(h.guild.id, carol, { roles: [managers.id] });
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: statusId, userId: carol, emoji: "❌" });
    await until(async () => (await findById(h.bot.ctx.db, id))?.status === "cancelled", "the manager's ❌ to cancel the job");
  });

  test("❌ on a command's reply whose id was never stored (crash before the write) cancels its job after a restart", async () => {
    h.bot.ctx.generations.queue.start();
    inference.hanging.add("unlinked command");
    const interaction = sendTxt2Img(h, { userId: alice, prompt: "unlinked command" });
    const id = await queuedJob(interaction);
    await until(async () => (await findById(h.bot.ctx.db, id))?.status === "running", "the job to start");
    // As if the bot died between "Queued as" and storing the status message's id.
    await h.bot.ctx.db.prisma.generation.update({ where: { id }, data: { statusMessageId: null } });
    await h.restart();
    const reply = h.fake.interaction(interaction.id).reply!;
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: reply.id, userId: alice, emoji: "❌" });
    await until(async () => (await findById(h.bot.ctx.db, id))?.status === "cancelled", "the ❌ to cancel the job");
  });

  test("❌ on a reroll's status message whose id was never stored cancels the reroll after a restart", async () => {
    h.bot.ctx.generations.queue.start();
    const original = sendTxt2Img(h, { userId: alice, prompt: "unlinked reroll" });
    await waitForInteractionResult(h, original);
    const resultId = h.fake.interaction(original.id).reply!.id;
    const parent = await findByResultMessageId(h.bot.ctx.db, resultId);
    assert.ok(parent);
    inference.hanging.add("unlinked reroll");
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: resultId, userId: alice, emoji: "🔁" });
    let rerollId = 0;
    await until(async () => {
      const reroll = await h.bot.ctx.db.prisma.generation.findFirst({ where: { parentId: parent.id, status: "running" } });
      rerollId = reroll?.id ?? 0;
      return reroll !== null && reroll.statusMessageId !== null;
    }, "the reroll to start");
    const statusId = (await findById(h.bot.ctx.db, rerollId))!.statusMessageId!;
    await h.bot.ctx.db.prisma.generation.update({ where: { id: rerollId }, data: { statusMessageId: null } });
    await h.restart();
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: statusId, userId: alice, emoji: "❌" });
    await until(async () => (await findById(h.bot.ctx.db, rerollId))?.status === "cancelled", "the ❌ to cancel the reroll");
    assert.equal((await findById(h.bot.ctx.db, rerollId))?.statusMessageId, statusId, "the message is linked to its job again");
  });
});
