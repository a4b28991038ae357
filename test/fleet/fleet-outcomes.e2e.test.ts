import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { findById } from "../../src/db/index.ts";
import { OPTION, payloadOf, sendTxt2Img, startHarness, until, waitForOutcome, type Harness } from "../bot/harness.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { startWorkerProcess, workerEnv, type WorkerProcess } from "./worker-process.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# fleet-outcomes: ${skip}`);

/** A worker never talks to Discord: how a job failed or was cancelled on it reaches the member through the bot. */
describe("a fleet job's failure or cancel is shown by the bot process", { skip }, () => {
  let h: Harness;
  let env: ReturnType<typeof testPrefix>;
  const workers: WorkerProcess[] = [];
  before(async () => {
    env = testPrefix();
    h = await startHarness({ env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: env.prefix } });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.kill9()));
    await h?.stop();
    await env.cleanup();
  });
  const originalSays = (token: string, pattern: RegExp) =>
    h.fake.waitForCall((c) => c.route.includes(`/${token}/messages/@original`) && pattern.test(String(payloadOf(c).content)), 30_000);

  test("a model fault on a worker: the member's status message says the generation failed", async () => {
    const worker = await startWorkerProcess(workerEnv(h.config, { STAND_IN_FAIL: "1" }));
    workers.push(worker);
    const interaction = sendTxt2Img(h, { prompt: "fails on the worker" });
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, "queued");
    await originalSays(interaction.token, /failed/);
    const record = await findById(h.bot.ctx.db, outcome.queued);
    assert.equal(record?.status, "failed");
    assert.equal(record?.charged, false, "refunded");
    await worker.stop();
  });

  test("/cancel of a job running on a worker: the member's status message says it was cancelled", async () => {
    const worker = await startWorkerProcess(workerEnv(h.config, { STAND_IN_HANG: "1" }));
    workers.push(worker);
    const interaction = sendTxt2Img(h, { prompt: "cancelled on the worker" });
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, "queued");
    await worker.waitFor((line) => line === "generating cancelled on the worker", "the worker started the job");
    h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[0]!.id,
      name: "cancel",
      options: [{ name: "job", type: OPTION.integer, value: outcome.queued }],
    });
    await originalSays(interaction.token, /cancelled/);
    await until(async () => (await findById(h.bot.ctx.db, outcome.queued))?.status === "cancelled", "the job recorded cancelled");
  });
});
