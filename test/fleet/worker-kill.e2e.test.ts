import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { findById } from "../../src/db/index.ts";
import { filesOf, sendTxt2Img, startHarness, until, waitForInteractionResult, waitForOutcome, type Harness } from "../bot/harness.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { startWorkerProcess, workerEnv, type WorkerProcess } from "./worker-process.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# worker-kill: ${skip}`);

describe("the fleet survives a GPU worker killed mid-job", { skip }, () => {
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

  test("kill -9 of a worker mid-job: another takes it over after stalled-job detection, one result, charged once", async () => {
    // Short locks: a dead worker's job is handed on within about 1.5 s.
    const lock = { WORKER_LOCK_MS: "1000" };
    const doomed = await startWorkerProcess(workerEnv(h.config, { ...lock, STAND_IN_HANG: "1" }));
    workers.push(doomed);
    const interaction = sendTxt2Img(h, { prompt: "killed mid-job" });
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, "queued");
    await doomed.waitFor((line) => line === "generating killed mid-job", "the first worker started the job");
    assert.equal((await findById(h.bot.ctx.db, outcome.queued))?.status, "running");
    await doomed.kill9();

    const survivor = await startWorkerProcess(workerEnv(h.config, lock));
    workers.push(survivor);
    await waitForInteractionResult(h, interaction);
    await until(async () => (await findById(h.bot.ctx.db, outcome.queued))?.status === "done", "the job recorded done");

    const record = await findById(h.bot.ctx.db, outcome.queued);
    assert.equal(record?.charged, true, "charged, once: the reservation is the only charge");
    const posts = h.fake.calls.filter((c) => c.method === "PATCH" && c.route.includes(interaction.token) && filesOf(c).length > 0);
    assert.equal(posts.length, 1, "one result");
    assert.deepEqual(
      survivor.lines.filter((line) => line.startsWith("generating")),
      ["generating killed mid-job"],
      "run once by the survivor",
    );
  });
});
