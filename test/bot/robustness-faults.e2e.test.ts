import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { findById, quotaDay, usageToday } from "../../src/db/index.ts";
import type { FakeInteraction, FaultStatus } from "../discord-fake/index.ts";
import { FakeInference, filesOf, payloadOf, sendTxt2Img, startHarness, until, waitForInteractionResult, waitForOutcome, type Harness } from "./harness.ts";

function replyRoute(interaction: FakeInteraction): string {
  return `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`;
}

/** Matches exactly the edits of one interaction's reply. */
function exactly(route: string): RegExp {
  return new RegExp(`^${route.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

/** The statuses the fake answered an interaction's reply edits with, split by whether they carried a file. */
function editStatuses(h: Harness, interaction: FakeInteraction): { status: number[]; upload: number[] } {
  const edits = h.fake.calls.filter((c) => c.method === "PATCH" && c.route === replyRoute(interaction));
  return {
    status: edits.filter((c) => filesOf(c).length === 0).map((c) => c.status),
    upload: edits.filter((c) => filesOf(c).length > 0).map((c) => c.status),
  };
}

async function queuedId(h: Harness, interaction: FakeInteraction): Promise<number> {
  const outcome = await waitForOutcome(h, interaction);
  assert.ok("queued" in outcome, `queued, not refused: ${JSON.stringify(outcome)}`);
  return outcome.queued;
}

describe("faults are contained: a model run that throws, Discord 429 and 5xx, a dropped gateway", () => {
  let h: Harness;
  const inference = new FakeInference();
  before(async () => {
    h = await startHarness({ inference });
  });
  after(() => h.stop());

  test("a model run that throws fails that job with a clear message and a refund; the next job still runs", async () => {
    const carol = h.users[2]!.id;
    inference.failing.add("breaks the model");
    h.bot.ctx.generations.queue.pause();
    const broken = sendTxt2Img(h, { userId: carol, prompt: "breaks the model" });
    const brokenId = await queuedId(h, broken);
    const next = sendTxt2Img(h, { userId: carol, prompt: "runs fine" });
    const nextId = await queuedId(h, next);
    h.bot.ctx.generations.queue.start();

    const failure = await h.fake.waitForCall((c) => c.method === "PATCH" && c.route === replyRoute(broken) && /failed/.test(String(payloadOf(c).content)));
    assert.equal(payloadOf(failure).content, `⚠️ <@${carol}> generation #${brokenId} failed: The model failed on this job; your quota was refunded. Please try again.`);
    assert.doesNotMatch(String(payloadOf(failure).content), /injected model fault/, "the fault's details stay in the log");
    const record = await findById(h.bot.ctx.db, brokenId);
    assert.equal(record?.status, "failed");
    assert.equal(record?.charged, false);

    await waitForInteractionResult(h, next);
    assert.equal((await findById(h.bot.ctx.db, nextId))?.status, "done");
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, carol, quotaDay(new Date(), "UTC"))).used, 1, "only the job that ran is charged");
  });

  for (const [first, second] of [[429, 500], [503, 429]] as Array<[FaultStatus, FaultStatus]>) {
    test(`${first} then ${second} on the status edit: discord.js retries and the status message still appears`, async () => {
      h.bot.ctx.generations.queue.pause();
      const interaction = sendTxt2Img(h);
      // Before the bot has seen the command: its first edit of the reply (the status message) meets both faults.
      h.fake.failNext({ method: "PATCH", route: exactly(replyRoute(interaction)) }, first);
      h.fake.failNext({ method: "PATCH", route: exactly(replyRoute(interaction)) }, second);
      const id = await queuedId(h, interaction);
      assert.deepEqual(editStatuses(h, interaction).status.slice(0, 3), [first, second, 200]);
      h.bot.ctx.generations.queue.start();
      await waitForInteractionResult(h, interaction);
      assert.equal((await findById(h.bot.ctx.db, id))?.status, "done");
    });

    test(`${first} then ${second} on the result upload: the result still arrives`, async () => {
      h.bot.ctx.generations.queue.pause();
      const interaction = sendTxt2Img(h);
      const id = await queuedId(h, interaction);
      // Only the edit that carries the image meets the faults: status and progress edits of the same reply
      // (a throttled position or progress edit may still be on its way) go through.
      const upload = { method: "PATCH", route: exactly(replyRoute(interaction)), body: (b: { files: readonly unknown[] }) => b.files.length > 0 };
      h.fake.failNext(upload, first);
      h.fake.failNext(upload, second);
      h.bot.ctx.generations.queue.start();
      await waitForInteractionResult(h, interaction);
      assert.deepEqual(editStatuses(h, interaction).upload, [first, second, 200], "the upload met both faults, then went through");
      const record = await findById(h.bot.ctx.db, id);
      assert.equal(record?.status, "done");
      assert.equal(record.resultMessageId, h.fake.interaction(interaction.id).reply!.id);
      assert.equal(h.fake.interaction(interaction.id).reply!.attachments.length, 1, "the reply carries the image");
    });
  }

  test("a gateway disconnect mid-queue: the bot resumes its session, the queued job finishes and a later command works", async () => {
    h.bot.ctx.generations.queue.pause();
    const queued = sendTxt2Img(h, { prompt: "queued across the drop" });
    await queuedId(h, queued);
    const resumes = h.fake.resumeCount;
    const identifies = h.fake.identifyCount;
    h.fake.dropGateway();
    await until(() => h.fake.resumeCount > resumes, "the bot to resume its gateway session");
    assert.equal(h.fake.identifyCount, identifies, "resumed, not a new session");
    h.bot.ctx.generations.queue.start();
    await waitForInteractionResult(h, queued);
    const later = sendTxt2Img(h, { prompt: "after the drop" });
    await waitForInteractionResult(h, later);
  });
});
