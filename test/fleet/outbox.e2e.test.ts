import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { FLEET_QUEUE_NAME } from "../../src/fleet/fleet-queue.ts";
import { createDb, findById, type Db } from "../../src/db/index.ts";
import { filesOf, sendTxt2Img, startHarness, until, waitForOutcome, type Harness } from "../bot/harness.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { botEnv, publishStandIn, startWorkerProcess, workerEnv, type WorkerProcess } from "./worker-process.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# outbox: ${skip}`);

/**
 * The fleet's outbox (issue 13): a GPU worker ends a job by storing its result ("stored") and never talks to
 * Discord (its environment has no token); the bot processes post each stored result once.
 */
describe("workers store results, the bot processes post them", { skip }, () => {
  let h: Harness;
  let env: ReturnType<typeof testPrefix>;
  let db: Db;
  const processes: WorkerProcess[] = [];
  before(async () => {
    env = testPrefix();
    // The harness gives the Discord fake, the database and the server's limits; the bots are processes of their own.
    h = await startHarness({ env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: env.prefix } });
    await publishStandIn(h.config); // the bots take commands before any worker runs
    await h.bot.stop();
    db = createDb(h.config.databaseUrl);
  });
  after(async () => {
    if (process.env.REROLL_TEST_LOG) for (const p of processes) console.error(p.lines.join("\n"));
    await Promise.all(processes.map((p) => p.kill9()));
    await db.close();
    await h.fake.stop();
    await env.cleanup();
  });
  // Edits Discord accepted: a refused one (429, the token's webhook limit that the other bot process's status edits
  // used up) is retried by discord.js and posts nothing.
  const resultPosts = (token: string) =>
    h.fake.calls.filter((c) => c.method === "PATCH" && c.status < 300 && c.route.includes(token) && filesOf(c).length > 0).length;
  const start = async (script: "bot" | "worker", extra: Record<string, string> = {}) => {
    const p = script === "bot" ? await startWorkerProcess(botEnv(h.config, extra), "test/fleet/bot-process.ts") : await startWorkerProcess(workerEnv(h.config));
    processes.push(p);
    return p;
  };

  test("kill -9 of the bot before the stored result is posted: its restart posts it, once", async () => {
    const bot = await start("bot");
    const interaction = sendTxt2Img(h, { prompt: "stored while no bot runs" });
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, "queued");
    // Killed once the job is on Redis (BullMQ's job key), so that a worker takes it with no bot process alive.
    const redis = new Redis(TEST_REDIS_URL);
    await until(async () => (await redis.exists(`${env.prefix}:${FLEET_QUEUE_NAME}:job-${outcome.queued}`)) === 1, "the job on Redis");
    redis.disconnect();
    await bot.kill9();

    // No bot process: the worker runs the job and stores the result; nothing reaches Discord.
    const worker = await start("worker");
    await until(async () => (await findById(db, outcome.queued))?.status === "stored", "the result stored", 30_000);
    assert.equal(resultPosts(interaction.token), 0, "a worker posts nothing");

    const restarted = await start("bot");
    await until(async () => (await findById(db, outcome.queued))?.status === "done", "the stored result delivered", 30_000);
    const record = await findById(db, outcome.queued);
    assert.equal(resultPosts(interaction.token), 1, "one result");
    assert.equal(record?.charged, true, "charged once, at submit");
    assert.ok(record?.resultMessageId, "the posted message recorded");
    assert.equal(worker.lines.filter((line) => line.startsWith("generating")).length, 1, "run once");
    await restarted.stop();
  });

  test("two bot processes: each stored result is posted once", async () => {
    // Two shards (as Discord has each interaction reach one session): one bot takes the commands, both hear every
    // job finish and race to post it.
    await Promise.all([start("bot", { SHARD_COUNT: "2", SHARDS: "0" }), start("bot", { SHARD_COUNT: "2", SHARDS: "1" }), start("worker")]);
    const interactions = h.users.slice(0, 3).flatMap((user, i) => [0, 1].map((n) => sendTxt2Img(h, { prompt: `two bots ${i}.${n}`, userId: user.id })));
    const ids: number[] = [];
    for (const interaction of interactions) {
      const outcome = await waitForOutcome(h, interaction);
      assert.ok("queued" in outcome, "queued");
      ids.push(outcome.queued);
    }
    for (const id of ids) await until(async () => (await findById(db, id))?.status === "done", `job ${id} delivered`, 30_000);
    assert.deepEqual(
      interactions.map((i) => resultPosts(i.token)),
      interactions.map(() => 1),
      "one result each",
    );
    // What each member sees last is the result: no status edit of the process that showed the job lands after it (a
    // late one waits at most one webhook window, 2 s, behind the result; so wait until the replies are quiet that long).
    const tokens = interactions.map((i) => i.token);
    const lastCallAt = () => Math.max(...h.fake.calls.filter((c) => tokens.some((token) => c.route.includes(token))).map((c) => c.at));
    await until(() => Date.now() - lastCallAt() > 2_500, "no more edits of the replies", 30_000);
    assert.deepEqual(
      interactions.map((i) => h.fake.interaction(i.id).reply?.content),
      interactions.map(() => ""),
      "each reply shows its result, not a status",
    );
  });
});
