import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { findById } from "../../src/db/index.ts";
import { filesOf, OPTION, payloadOf, sendTxt2Img, startHarness, waitForInteractionResult, type Harness } from "./harness.ts";
import type { FakeInteraction } from "../discord-fake/index.ts";

function contentsOf(h: Harness, interaction: FakeInteraction): string[] {
  return h.fake.calls
    .filter((c) => c.method === "PATCH" && c.route.includes(`/${interaction.token}/messages/@original`))
    .map((c) => String(payloadOf(c).content ?? ""));
}

async function generationIdOf(h: Harness, interaction: FakeInteraction): Promise<number> {
  const call = await h.fake.waitForCall((c) => c.method === "PATCH" && c.route.includes(`/${interaction.token}/messages/@original`) && /#\d+/.test(String(payloadOf(c).content)));
  return Number(/#(\d+)/.exec(String(payloadOf(call).content))![1]);
}

function cancelCommand(h: Harness, userId: string, job?: number): FakeInteraction {
  return h.fake.sendSlashCommand({
    guildId: h.guild.id,
    channelId: h.channel.id,
    userId,
    name: "cancel",
    options: job === undefined ? [] : [{ name: "job", type: OPTION.integer, value: job }],
  });
}

async function ephemeralReply(h: Harness, interaction: FakeInteraction): Promise<string> {
  const call = await h.fake.waitForCall((c) => c.method === "POST" && c.route.includes(`/interactions/${interaction.id}/`));
  return String((payloadOf(call).data as { content?: string } | undefined)?.content ?? "");
}

describe("the queue: positions, fairness, cancel, expired tokens", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test("three users' queued jobs are served round-robin, with live positions", async () => {
    const [alice, bob, carol] = h.users.map((u) => u.id) as [string, string, string];
    h.bot.ctx.generations.queue.pause();
    const sent: Array<[string, FakeInteraction]> = [];
    for (const [user, count] of [[alice, 3], [bob, 1], [carol, 2]] as const) {
      for (let i = 0; i < count; i++) {
        const interaction = sendTxt2Img(h, { userId: user, prompt: `${user}-${i}` });
        sent.push([user, interaction]);
        await generationIdOf(h, interaction); // queued in this order
      }
    }
    // In fair order Alice's third job runs last: a, b, c, a, c, a.
    const aliceThird = sent[2]![1];
    await h.fake.waitForCall((c) => c.route.includes(`/${aliceThird.token}/messages/@original`) && /Position \*\*6\*\*/.test(String(payloadOf(c).content)));
    h.bot.ctx.generations.queue.start();
    const finished: Array<{ user: string; at: number }> = [];
    for (const [user, interaction] of sent) finished.push({ user, at: (await waitForInteractionResult(h, interaction)).at });
    const order = finished.sort((a, b) => a.at - b.at).map((f) => [alice, bob, carol].indexOf(f.user));
    // Round-robin: every user's first job before anyone's second.
    assert.deepEqual(order, [0, 1, 2, 0, 2, 0]);
    // Alice's third job saw its position fall as others ran.
    const positions = contentsOf(h, sent[2]![1]).flatMap((text) => /Position \*\*(\d+)\*\*/.exec(text)?.[1] ?? []).map(Number);
    assert.ok(positions.length >= 2 && positions[0]! > positions.at(-1)!, `positions went down: ${positions.join(", ")}`);
  });

  test("/cancel removes a queued job, gives the quota back and says so", async () => {
    h.bot.ctx.generations.queue.pause();
    const interaction = sendTxt2Img(h);
    const id = await generationIdOf(h, interaction);
    try {
      const reply = await ephemeralReply(h, cancelCommand(h, h.users[0]!.id, id));
      assert.match(reply, /Cancelled #\d+/);
      await h.fake.waitForCall((c) => c.route.includes(`/${interaction.token}/messages/@original`) && /cancelled/.test(String(payloadOf(c).content)));
      const record = await findById(h.bot.ctx.db, id);
      assert.equal(record?.status, "cancelled");
      assert.equal(record?.charged, false);
    } finally {
      h.bot.ctx.generations.queue.start();
    }
  });

  test("another member cannot cancel someone's job", async () => {
    h.bot.ctx.generations.queue.pause();
    const interaction = sendTxt2Img(h);
    const id = await generationIdOf(h, interaction);
    try {
      assert.match(await ephemeralReply(h, cancelCommand(h, h.users[1]!.id, id)), /someone else's/);
      assert.equal((await findById(h.bot.ctx.db, id))?.status, "queued");
    } finally {
      h.bot.ctx.generations.queue.start();
    }
    await waitForInteractionResult(h, interaction);
  });

  test("❌ on the status message cancels a running job between steps; no result is posted", async () => {
    await h.setLimits({ maxSteps: 150 });
    const interaction = sendTxt2Img(h, {
      extra: [
        { name: "steps", type: OPTION.integer, value: 150 },
        { name: "width", type: OPTION.integer, value: 512 },
        { name: "height", type: OPTION.integer, value: 512 },
      ],
    });
    const id = await generationIdOf(h, interaction);
    await h.fake.waitForCall((c) => c.route.includes(`/${interaction.token}/messages/@original`) && /Generating/.test(String(payloadOf(c).content)), 30_000);
    const statusId = h.fake.interaction(interaction.id).reply!.id;
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: statusId, userId: h.users[0]!.id, emoji: "❌" });
    await h.fake.waitForCall((c) => c.route.includes(`/${interaction.token}/messages/@original`) && /cancelled/.test(String(payloadOf(c).content)), 30_000);
    const record = await findById(h.bot.ctx.db, id);
    assert.equal(record?.status, "cancelled");
    assert.equal(record?.charged, true, "a started run is not refunded");
    assert.ok(!h.fake.calls.some((c) => c.route.includes(`/${interaction.token}/`) && filesOf(c).length > 0), "no result was posted");
  });

  test("a result that finishes after the interaction token expired is posted to the channel, mentioning the user", async () => {
    h.bot.ctx.generations.queue.pause();
    const interaction = sendTxt2Img(h, { prompt: "late" });
    await generationIdOf(h, interaction);
    h.fake.expireInteractionToken(interaction.token);
    h.bot.ctx.generations.queue.start();
    const post = await h.fake.waitForCall(
      (c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && filesOf(c).length > 0,
      30_000,
    );
    assert.match(String(payloadOf(post).content), new RegExp(`<@${h.users[0]!.id}>`));
    assert.deepEqual((payloadOf(post).allowed_mentions as { users: string[] }).users, [h.users[0]!.id]);
  });
});
