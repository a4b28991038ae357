import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { FleetQueue } from "../../src/fleet/fleet-queue.ts";
import { RoundRobin, type JobContext, type JobSpec } from "../../src/jobs/index.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# fleet-queue: ${skip}`);

const job = (id: string, userId: string): JobSpec => ({ id, userId, steps: 4 });

describe("FleetQueue on Redis: fair across bot processes", { skip }, () => {
  let env: ReturnType<typeof testPrefix>;
  const open: Array<FleetQueue<JobSpec>> = [];
  const queue = (run?: (job: JobSpec, ctx: JobContext) => Promise<void>) => {
    const q = new FleetQueue<JobSpec>({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, ...(run && { run }), onError: () => undefined });
    open.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
    await env.cleanup();
  });

  test("two bot processes queue; one worker runs in the same round-robin order as RoundRobin", async () => {
    env = testPrefix();
    const [botA, botB] = [queue(), queue()];
    const pushes: Array<[FleetQueue<JobSpec>, JobSpec]> = [
      [botA, job("a1", "alice")],
      [botA, job("a2", "alice")],
      [botB, job("a3", "alice")],
      [botB, job("b1", "bob")],
      [botA, job("a4", "alice")],
      [botA, job("c1", "carol")],
      [botB, job("b2", "bob")],
    ];
    const reference = new RoundRobin<string>();
    for (const [bot, spec] of pushes) {
      await bot.enqueue(spec);
      reference.push(spec.userId, spec.id);
    }
    const ran: string[] = [];
    const done = new Promise<void>((resolve) =>
      queue(async (spec) => {
        ran.push(spec.id);
        if (ran.length === pushes.length) resolve();
      }),
    );
    await done;
    assert.deepEqual(ran, reference.order());
  });

  test("50 jobs of one member from two processes at once: another member's single job runs among the first two", async () => {
    env = testPrefix();
    const [botA, botB] = [queue(), queue()];
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? botA : botB).enqueue(job(`flood-${i}`, "flooder"))));
    await botB.enqueue(job("single", "patient"));
    const ran: string[] = [];
    await new Promise<void>((resolve) =>
      queue(async (spec) => {
        ran.push(spec.id);
        if (ran.length === 51) resolve();
      }),
    );
    assert.ok(ran.indexOf("single") <= 1, `ran ${ran.indexOf("single") + 1}th`);
  });

  test("progress and positions reach the other process; a waiting job is cancelled from either, a running one stops", async () => {
    env = testPrefix();
    const [botA, botB] = [queue(), queue()];
    await botA.enqueue(job("first", "alice"));
    await botA.enqueue(job("second", "alice"));
    await botA.enqueue(job("third", "bob"));
    const positions = new Promise<Map<string, { position: number; etaMs: number }>>((resolve) =>
      botB.on("positions", (p) => p.size === 4 && resolve(p)),
    );
    await botB.enqueue(job("fourth", "carol"));
    // bob and carol have not had a turn yet: they go before alice's second job. No worker yet: ETAs as for one.
    const seen = await positions;
    assert.deepEqual(
      [...seen].map(([id, { position }]) => `${position} ${id}`),
      ["1 first", "2 third", "3 fourth", "4 second"],
    );
    assert.equal(seen.get("first")?.etaMs, 0);
    assert.ok((seen.get("second")?.etaMs ?? 0) > (seen.get("fourth")?.etaMs ?? 0));
    const outcomes: string[] = [];
    botA.on("finished", (spec) => outcomes.push(`${spec.id} finished`));
    botA.on("cancelled", (spec, { wasRunning }) => outcomes.push(`${spec.id} cancelled${wasRunning ? " running" : ""}`));
    assert.equal(await botB.cancel("second"), "cancelled-queued");
    assert.equal(await botB.cancel("second"), "not-found");

    const progress: string[] = [];
    botB.on("progress", (spec, step, total) => progress.push(`${spec.id} ${step}/${total}`));
    const stopped = new Promise<string>((resolve) => botB.on("started", (spec) => spec.id === "fourth" && resolve(spec.id)));
    let aborted: string | undefined;
    queue(async (spec, ctx) => {
      for (let step = 1; step <= spec.steps; step++) ctx.reportProgress(step, spec.steps);
      if (spec.id === "fourth") {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        aborted = spec.id;
        throw new Error("cancelled");
      }
    });
    await stopped;
    assert.equal(await botA.cancel("fourth"), "cancelling-running");
    await botA.onIdle();
    assert.equal(aborted, "fourth");
    // Every process hears how each job ended, whoever ran or cancelled it.
    assert.deepEqual(outcomes.sort(), ["first finished", "fourth cancelled running", "second cancelled", "third finished"]);
    assert.ok(progress.includes("first 4/4") && progress.includes("third 4/4"), progress.join(", "));
  });
});

describe("FleetQueue: a worker that does not follow the fleet", { skip }, () => {
  test("gets no progress events (the bot processes show progress), while a bot process does", async () => {
    const env = testPrefix();
    const bot = new FleetQueue<JobSpec>({ redisUrl: TEST_REDIS_URL, prefix: env.prefix, onError: () => undefined });
    const seen: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const worker = new FleetQueue<JobSpec>({
      redisUrl: TEST_REDIS_URL,
      prefix: env.prefix,
      onError: () => undefined,
      trackPositions: false,
      followProgress: false,
      run: async (spec, ctx) => ctx.reportProgress(1, spec.steps),
    });
    try {
      worker.on("progress", () => seen.push("worker"));
      bot.on("progress", () => seen.push("bot"));
      bot.on("finished", () => done());
      await bot.enqueue(job("only", "alice"));
      await finished;
      assert.deepEqual(seen, ["bot"]);
    } finally {
      await Promise.all([bot.close(), worker.close()]);
      await env.cleanup();
    }
  });
});
