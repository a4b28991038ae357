import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { quotaDay, usageToday } from "../../src/db/index.ts";
import { FakeInference, generationCount, refusalOf, runCommand, sendTxt2Img, startHarness, waitForOutcome, type Harness } from "./harness.ts";

const CONCURRENT = 200;
const DAILY_LIMIT = 5;

describe("200 concurrent /txt2img from one member spend exactly their quota", () => {
  let h: Harness;
  before(async () => {
    // A stand-in model: this test is about the reservation, not about pixels.
    // The fake runs in the bot's process. Measured with undici's diagnostics channel, the bot sends all 200
    // deferrals within about 0.2 s of the burst, but the fake only gets to read the last of them after the
    // shared event loop has run the earlier commands' database work (1.5–3 s on a 2-core machine), so it would
    // judge Discord's 3-second deadline on its own lateness. Discord is not in our process: allow it 15 s.
    h = await startHarness({ inference: new FakeInference(), fake: { ackDeadlineMs: 15_000 } });
    // The queue cap is set as high as the count, so only the daily quota can refuse.
    await h.setLimits({ dailyImagesPerUser: DAILY_LIMIT, cooldownSeconds: 0, maxQueuedPerUser: CONCURRENT });
  });
  after(() => h.stop());

  test(`${CONCURRENT} commands at once: ${DAILY_LIMIT} queued and recorded, every other one refused privately with the reset time`, async () => {
    const alice = h.users[0]!.id;
    // Fired all at once, none awaited: the bot sees them as one burst of INTERACTION_CREATE.
    const sent = Array.from({ length: CONCURRENT }, (_, i) => sendTxt2Img(h, { userId: alice, prompt: `burst ${i}` }));
    const outcomes = await Promise.all(sent.map((interaction) => waitForOutcome(h, interaction, 60_000)));

    for (const interaction of sent) {
      assert.equal(h.fake.interaction(interaction.id).callbackType, 5, "every command was deferred within the ack deadline");
    }
    const queued = outcomes.filter((o) => "queued" in o);
    const refused = outcomes.filter((o) => "refused" in o);
    assert.equal(queued.length, DAILY_LIMIT, "exactly the quota was queued");
    assert.equal(refused.length, CONCURRENT - DAILY_LIMIT);
    for (const outcome of refused) {
      assert.ok(outcome.ephemeral, "a refusal is seen only by its member");
      assert.match(refusalOf(outcome), new RegExp(`You've used ${DAILY_LIMIT} of ${DAILY_LIMIT} images today; your quota resets <t:\\d+:R>\\.`));
    }

    await h.bot.ctx.generations.onIdle();
    assert.equal(await generationCount(h, alice), DAILY_LIMIT, "exactly the quota is in the database");
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, alice, quotaDay(new Date(), "UTC"))).used, DAILY_LIMIT);
    const quota = await runCommand(h, { name: "quota", userId: alice });
    const used = quota.embeds[0]?.fields?.find((f) => f.name === "Used today")?.value;
    assert.equal(used, `${DAILY_LIMIT} images`, "/quota shows the same use");
  });
});
