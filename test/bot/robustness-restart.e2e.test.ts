import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { findById, quotaDay, usageToday } from "../../src/db/index.ts";
import type { FakeInteraction } from "../discord-fake/index.ts";
import { FakeInference, filesOf, payloadOf, sendImg2Img, sendTxt2Img, startHarness, until, waitForInteractionResult, waitForOutcome, type Harness } from "./harness.ts";

/** The generation id a command was queued as; fails the test if it was refused. */
async function queuedId(h: Harness, interaction: FakeInteraction): Promise<number> {
  const outcome = await waitForOutcome(h, interaction);
  assert.ok("queued" in outcome, `queued, not refused: ${JSON.stringify(outcome)}`);
  return outcome.queued;
}

describe("kill the bot mid-queue and start it again on the same database", () => {
  let h: Harness;
  const inference = new FakeInference();
  before(async () => {
    h = await startHarness({ inference });
  });
  after(() => h.stop());

  test("every queued and running job finishes after the restart; a job whose stored input is gone is reported and refunded", async () => {
    const [alice, bob] = h.users.map((u) => u.id) as [string, string];
    // One job is running when the bot dies: its model run never returns.
    inference.hanging.add("running at the crash");
    const running = sendTxt2Img(h, { userId: alice, prompt: "running at the crash" });
    const runningId = await queuedId(h, running);
    await until(() => inference.prompts.includes("running at the crash"), "the first job to start");
    h.bot.ctx.generations.queue.pause();
    const waiting = [sendTxt2Img(h, { userId: alice, prompt: "waiting 1" }), sendTxt2Img(h, { userId: bob, prompt: "waiting 2" })];
    const waitingIds = [];
    for (const interaction of waiting) waitingIds.push(await queuedId(h, interaction));
    const orphan = await sendImg2Img(h, { userId: bob, prompt: "input deleted" });
    const orphanId = await queuedId(h, orphan);

    assert.equal((await findById(h.bot.ctx.db, runningId))?.status, "running");
    // The orphan's normalized input is deleted while the bot is down (another disk, a cleanup script).
    const { inputHash } = (await findById(h.bot.ctx.db, orphanId))!;
    await rm(join(h.config.inputStoreDir, inputHash!.slice(0, 2), `${inputHash}.png`));

    inference.hanging.delete("running at the crash");
    const restartedAt = Date.now();
    const bot = await h.restart();
    assert.equal(bot.resumed, 4, "the running job, both waiting ones and the orphan were resumed");

    for (const interaction of [running, ...waiting]) {
      const result = await waitForInteractionResult(h, interaction);
      assert.equal(filesOf(result)[0]?.filename.startsWith("reroll-"), true);
    }
    for (const id of [runningId, ...waitingIds]) {
      const record = await findById(h.bot.ctx.db, id);
      assert.equal(record?.status, "done", `#${id} is done`);
      assert.ok(record.resultMessageId, `#${id} knows its result message`);
    }
    // The restarted bot told waiting members where they stand again.
    const webhook = `/webhooks/${waiting[1]!.applicationId}/${waiting[1]!.token}/messages/@original`;
    assert.ok(
      h.fake.calls.some((c) => c.at >= restartedAt && c.method === "PATCH" && c.route === webhook && /You're next|Position/.test(String(payloadOf(c).content))),
      "the status message of a waiting job was updated after the restart",
    );

    const failure = await h.fake.waitForCall(
      (c) =>
        c.method === "PATCH" &&
        c.route === `/webhooks/${orphan.applicationId}/${orphan.token}/messages/@original` &&
        /failed/.test(String(payloadOf(c).content)),
    );
    assert.equal(
      payloadOf(failure).content,
      `⚠️ <@${bob}> generation #${orphanId} failed: The input image of this job is no longer stored, so it cannot run. Please send the command again.`,
    );
    const orphanRecord = await findById(h.bot.ctx.db, orphanId);
    assert.equal(orphanRecord?.status, "failed");
    assert.equal(orphanRecord?.charged, false, "the orphan was refunded");
    assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, bob, quotaDay(new Date(), "UTC"))).used, 1, "bob is charged only for the job that ran");
    assert.equal(inference.prompts.filter((p) => p === "running at the crash").length, 2, "the job running at the crash started over");
  });

  test("a result the model finished but Discord would not take is delivered after a restart, not computed again", async () => {
    const interaction = sendTxt2Img(h, { prompt: "finished before the crash" });
    h.bot.ctx.generations.queue.pause();
    const id = await queuedId(h, interaction);
    const webhook = `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`;
    await h.fake.waitForCall((c) => c.method === "PATCH" && c.route === webhook && /You're next/.test(String(payloadOf(c).content)));
    // Every attempt discord.js makes at the upload (the first and 3 retries) gets a 500.
    h.fake.failNext({ method: "PATCH", route: new RegExp(`^${escapeRegExp(webhook)}$`) }, 500, { times: 4 });
    h.bot.ctx.generations.queue.start();
    const stored = join(h.config.resultStoreDir, `${id}.png`);
    await until(() => h.fake.calls.filter((c) => c.route === webhook && c.status === 500 && filesOf(c).length > 0).length === 4, "four failed uploads");
    await until(() => stat(stored).then(() => true, () => false), "the result on disk");
    assert.equal((await findById(h.bot.ctx.db, id))?.status, "running", "not done until posted");

    await h.restart();
    await waitForInteractionResult(h, interaction);
    assert.ok(h.fake.calls.some((c) => c.route === webhook && c.status === 200 && filesOf(c).length > 0), "the result was posted");
    assert.equal(inference.prompts.filter((p) => p === "finished before the crash").length, 1, "the model ran once");
    assert.equal((await findById(h.bot.ctx.db, id))?.status, "done");
    await until(() => stat(stored).then(() => false, () => true), "the delivered result to be removed from disk");
  });

  test("a stored result whose delivery after the restart fails too is retried, not left for the next restart", async () => {
    const interaction = sendTxt2Img(h, { prompt: "refused twice" });
    h.bot.ctx.generations.queue.pause();
    const id = await queuedId(h, interaction);
    const webhook = `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`;
    await h.fake.waitForCall((c) => c.method === "PATCH" && c.route === webhook && /You're next/.test(String(payloadOf(c).content)));
    // A long outage: the interaction token expires, so the result goes to the channel, the only route that POSTs
    // there, and the faults below meet nothing but the result.
    h.fake.expireInteractionToken(interaction.token);
    const channelPosts = `/channels/${h.channel.id}/messages`;
    const route = new RegExp(`^${escapeRegExp(channelPosts)}$`);
    const failedPosts = () => h.fake.calls.filter((c) => c.method === "POST" && c.route === channelPosts && c.status === 500).length;
    h.fake.failNext({ method: "POST", route }, 500, { times: 4 });
    h.bot.ctx.generations.queue.start();
    await until(() => failedPosts() === 4, "four failed posts");
    await until(() => stat(join(h.config.resultStoreDir, `${id}.png`)).then(() => true, () => false), "the result on disk");

    // Discord is still failing when the bot comes back: the first delivery after the restart fails as well.
    h.fake.failNext({ method: "POST", route }, 500, { times: 4 });
    await h.restart();
    await until(() => failedPosts() === 8, "the restarted bot's four failed posts");
    // The background retry (5 s later) gets through.
    const posted = await h.fake.waitForCall(
      (c) => c.method === "POST" && c.route === channelPosts && c.status === 200 && filesOf(c).length > 0,
      20_000,
    );
    assert.match(String(payloadOf(posted).content), new RegExp(`<@${h.users[0]!.id}> your image is ready`));
    await until(async () => (await findById(h.bot.ctx.db, id))?.status === "done", "the job to be done");
    assert.equal(inference.prompts.filter((p) => p === "refused twice").length, 1, "the model ran once");
  });
});

describe("stop the bot normally (SIGTERM) mid-run with the real inference worker, and start it again", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(); // no injected backend: the real worker thread on the synthesized tiny model
  });
  after(() => h.stop());

  test("the running job and the queued one are resumed, each finishes once, charged once, never cancelled", async () => {
    const [alice, bob] = h.users.map((u) => u.id) as [string, string];
    // 50 steps at 256²: the run is still going when the bot stops at its first progress event.
    const firstProgress = new Promise<void>((resolve) => h.bot.ctx.generations.queue.on("progress", () => resolve()));
    const running = sendTxt2Img(h, { userId: alice, prompt: "running at the stop", extra: [{ name: "steps", type: 4, value: 50 }] });
    const runningId = await queuedId(h, running);
    const queued = sendTxt2Img(h, { userId: bob, prompt: "queued at the stop" });
    const queuedJobId = await queuedId(h, queued);
    await firstProgress;

    const bot = await h.restart(); // bot.stop() as SIGTERM runs it, then a new bot on the same database and stores
    assert.equal(bot.resumed, 2, "both unfinished jobs were resumed");
    const uploads = (interaction: FakeInteraction) =>
      h.fake.calls.filter((c) => c.method === "PATCH" && c.route === `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original` && filesOf(c).length > 0);
    assert.equal(uploads(running).length, 0, "the running job had not finished when the bot stopped");

    for (const interaction of [running, queued]) await waitForInteractionResult(h, interaction);
    await h.bot.ctx.generations.onIdle();
    for (const [interaction, id, user] of [[running, runningId, alice], [queued, queuedJobId, bob]] as const) {
      assert.equal(uploads(interaction).length, 1, `#${id}: one result posted`);
      const record = await findById(h.bot.ctx.db, id);
      assert.equal(record?.status, "done", `#${id} is done`);
      assert.equal(record.charged, true);
      assert.equal((await usageToday(h.bot.ctx.db, h.guild.id, user, quotaDay(new Date(), "UTC"))).used, 1, `#${id}: charged once`);
      const cancelled = h.fake.calls.filter((c) => c.route.includes(interaction.token) && /cancelled/.test(String(payloadOf(c).content)));
      assert.deepEqual(cancelled, [], `#${id}: no "cancelled" message was shown`);
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
