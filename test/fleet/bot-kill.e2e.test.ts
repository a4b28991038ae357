import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createDb, findById, type Db } from "../../src/db/index.ts";
import { filesOf, sendTxt2Img, startHarness, until, waitForOutcome, type Harness } from "../bot/harness.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { botEnv, publishStandIn, startWorkerProcess, workerEnv, type WorkerProcess } from "./worker-process.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# bot-kill: ${skip}`);

describe("the fleet survives a bot process killed just after queueing", { skip }, () => {
  let h: Harness;
  let env: ReturnType<typeof testPrefix>;
  let db: Db;
  const processes: WorkerProcess[] = [];
  before(async () => {
    env = testPrefix();
    // The harness gives the Discord fake, the database and the server's limits; its in-process bot steps aside for
    // bot processes of their own.
    h = await startHarness({ env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: env.prefix } });
    await publishStandIn(h.config); // the bots take commands before any worker runs
    await h.bot.stop();
    db = createDb(h.config.databaseUrl);
  });
  after(async () => {
    if (process.env.REROLL_TEST_LOG) {
      for (const p of processes) console.error(p.lines.join("\n"));
      console.error(JSON.stringify(await db.prisma.generation.findMany({ select: { id: true, status: true, error: true, userId: true } })));
    }
    await Promise.all(processes.map((p) => p.kill9()));
    await db.close();
    await h.fake.stop();
    await env.cleanup();
  });

  test("kill -9 of the bot that took the commands: after its restart a worker delivers each job once", async () => {
    const bot = await startWorkerProcess(botEnv(h.config), "test/fleet/bot-process.ts");
    processes.push(bot);
    const interactions = ["one", "two", "three"].map((prompt, i) => sendTxt2Img(h, { prompt: `waiting ${prompt}`, userId: h.users[i]!.id }));
    const ids: number[] = [];
    for (const interaction of interactions) {
      const outcome = await waitForOutcome(h, interaction);
      assert.ok("queued" in outcome, "queued");
      ids.push(outcome.queued);
    }
    await bot.kill9();

    // Killed right after its status messages: some jobs may not have reached Redis. The restart queues again, in
    // order, every unfinished job Redis lacks (those it holds keep their place); a worker delivers each once.
    processes.push(await startWorkerProcess(botEnv(h.config), "test/fleet/bot-process.ts"));
    processes.push(await startWorkerProcess(workerEnv(h.config)));
    for (const id of ids) await until(async () => (await findById(db, id))?.status === "done", `job ${id} delivered`, 30_000);
    const posts = (token: string) => h.fake.calls.filter((c) => c.method === "PATCH" && c.route.includes(token) && filesOf(c).length > 0).length;
    assert.deepEqual(
      interactions.map((i) => posts(i.token)),
      [1, 1, 1],
      "one result each",
    );
  });
});
