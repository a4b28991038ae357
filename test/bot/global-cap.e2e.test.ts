import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { updateGuildSettings } from "../../src/db/index.ts";
import { MAX_WAITING_EVERYWHERE } from "../../src/services/policy/index.ts";
import { FakeInference, OPTION, payloadOf, refusalOf, startHarness, waitForOutcome, type Harness } from "./harness.ts";

describe("the bot's cap across servers is checked in the reservation, before charging", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ inference: new FakeInference() });
  });
  after(() => h.stop());

  test("one member's 51st waiting job across 3 servers × 17 is refused politely: nothing charged, no status message", async () => {
    assert.equal(MAX_WAITING_EVERYWHERE, 50);
    const alice = h.users[0]!.id;
    const places = [{ guildId: h.guild.id, channelId: h.channel.id }];
    for (const name of ["second", "third"]) {
      const guild = h.fake.addGuild({ name });
      places.push({ guildId: guild.id, channelId: h.fake.addChannel(guild.id, { name: "art" }).id });
      h.fake.addMember(guild.id, alice);
    }
    for (const { guildId } of places) {
      // Each server alone allows all 17 (its own cap is at most 20), and the quota is not what stops them.
      await updateGuildSettings(h.bot.ctx.db, guildId, { maxQueuedPerUser: 20, dailyImagesPerUser: 100, cooldownSeconds: 0 }, "test");
    }
    h.bot.ctx.generations.queue.pause();
    const send = (place: (typeof places)[number], n: number) =>
      h.fake.sendSlashCommand({
        ...place,
        userId: alice,
        name: "txt2img",
        options: [
          { name: "prompt", type: OPTION.string, value: `job ${n}` },
          { name: "steps", type: OPTION.integer, value: 3 },
          { name: "width", type: OPTION.integer, value: 256 },
          { name: "height", type: OPTION.integer, value: 256 },
        ],
      });
    let n = 0;
    for (const place of places) {
      for (let i = 0; i < 17 && n < 50; i++) {
        const outcome = await waitForOutcome(h, send(place, ++n));
        assert.ok("queued" in outcome, `job ${n} was queued`);
      }
    }
    const last = send(places[2]!, 51);
    const outcome = await waitForOutcome(h, last);
    assert.equal(
      refusalOf(outcome),
      "You already have 50 jobs waiting across all servers, the most the bot takes from one person. Try again when one of them has started.",
    );
    assert.ok("ephemeral" in outcome && outcome.ephemeral, "seen only by its member");
    const { prisma } = h.bot.ctx.db;
    assert.equal(await prisma.generation.count({ where: { userId: alice } }), 50, "nothing was reserved for the 51st");
    assert.equal(await prisma.generation.count({ where: { userId: alice, charged: true } }), 50);
    const webhook = `/webhooks/${last.applicationId}/${last.token}/messages/@original`;
    assert.ok(!h.fake.calls.some((c) => c.route === webhook && /Queued as/.test(String(payloadOf(c).content))), "no status message was made");
    // The 50 stay queued: the bot stops with them in the database.
  });
});
