import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FairJobQueue, QueueCapError, type FairJobQueueOptions, type JobPosition, type JobSpec } from "../../src/jobs/index.ts";
import { FakeRunner, flush } from "./fake-runner.ts";

interface TestJob extends JobSpec {
  label?: string;
}

function job(id: string, userId: string, steps = 10, cost?: number): TestJob {
  return cost === undefined ? { id, userId, steps } : { id, userId, steps, cost };
}

/** A queue on a fake runner and a hand-moved clock, recording every event. */
function setup(options: Partial<FairJobQueueOptions<TestJob>> = {}) {
  const runner = new FakeRunner<TestJob>();
  const clock = { ms: 0 };
  const queue = new FairJobQueue<TestJob>({ run: runner.run, now: () => clock.ms, ...options });
  const log: string[] = [];
  const positions: Map<string, JobPosition>[] = [];
  queue
    .on("started", (j) => log.push(`started ${j.id}`))
    .on("finished", (j) => log.push(`finished ${j.id}`))
    .on("failed", (j, error) => log.push(`failed ${j.id}: ${(error as Error).message}`))
    .on("cancelled", (j, { wasRunning }) => log.push(`cancelled ${j.id}${wasRunning ? " (running)" : ""}`))
    .on("positions", (map) => positions.push(map));
  /** The last positions event as `{ id: position }`. */
  const lastPositions = () => Object.fromEntries([...positions.at(-1)!].map(([id, p]) => [id, p.position]));
  return { runner, clock, queue, log, positions, lastPositions };
}

/** Settles the running job with success and lets the next one start. */
async function finish(runner: FakeRunner<TestJob>, id: string): Promise<void> {
  runner.get(id).resolve();
  await flush();
}

describe("FairJobQueue: serial execution", () => {
  it("runs one job at a time, each after the previous settled", async () => {
    const { runner, queue, log } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    queue.enqueue(job("a3", "A"));
    await flush();
    assert.deepEqual(runner.started, ["a1"]);
    await finish(runner, "a1");
    assert.deepEqual(runner.started, ["a1", "a2"]);
    await finish(runner, "a2");
    await finish(runner, "a3");
    await queue.onIdle();
    assert.equal(runner.maxActive, 1);
    assert.deepEqual(log, ["started a1", "finished a1", "started a2", "finished a2", "started a3", "finished a3"]);
    assert.equal(queue.size, 0);
  });

  it("never starts a job inside enqueue()", async () => {
    const { runner, queue, log } = setup();
    const { position } = queue.enqueue(job("a1", "A"));
    assert.equal(position, 1);
    assert.deepEqual(log, []);
    await flush();
    assert.deepEqual(runner.started, ["a1"]);
    assert.equal(queue.position("a1"), 0);
  });

  it("starts the next job only when a cancelled running job's runner has settled", async () => {
    const { runner, queue, log } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    const running = runner.get("a1");

    assert.equal(queue.cancel("a1"), "cancelling-running");
    assert.equal(running.ctx.signal.aborted, true);
    await flush();
    // The runner has not stopped yet: b1 must wait, and a1 is still the running job.
    assert.deepEqual(runner.started, ["a1"]);
    assert.equal(queue.position("a1"), 0);
    assert.equal(queue.position("b1"), 1);

    running.reject(running.ctx.signal.reason);
    await flush();
    assert.deepEqual(runner.started, ["a1", "b1"]);
    assert.equal(runner.maxActive, 1);
    assert.deepEqual(log, ["started a1", "cancelled a1 (running)", "started b1"]);
  });

  it("counts a runner that resolves after a late cancel as finished", async () => {
    const { runner, queue, log } = setup();
    queue.enqueue(job("a1", "A"));
    await flush();
    queue.cancel("a1");
    await finish(runner, "a1");
    assert.deepEqual(log, ["started a1", "finished a1"]);
  });
});

describe("FairJobQueue: fair order", () => {
  it("serves 3 users with 5/1/2 jobs enqueued in bursts round-robin", async () => {
    const { runner, queue } = setup({ maxWaitingPerUser: 5 });
    // Burst 1: A enqueues five; a1 starts.
    for (let i = 1; i <= 5; i++) queue.enqueue(job(`a${i}`, "A"));
    await flush();
    assert.deepEqual(runner.started, ["a1"]);
    // Burst 2, while a1 runs: B one job, C two.
    queue.enqueue(job("b1", "B"));
    queue.enqueue(job("c1", "C"));
    queue.enqueue(job("c2", "C"));
    await flush();
    const predicted = queue.snapshot().waiting.map((j) => j.id);
    assert.deepEqual(predicted, ["b1", "c1", "a2", "c2", "a3", "a4", "a5"]);

    for (let i = 0; i < 8; i++) await finish(runner, runner.runs[i]!.job.id);
    await queue.onIdle();
    assert.deepEqual(runner.started, ["a1", "b1", "c1", "a2", "c2", "a3", "a4", "a5"]);
    assert.deepEqual(runner.started.slice(1), predicted, "positions shown match the real run order");
  });

  it("gives a newcomer its turn in the current round and a re-entering user the next round", async () => {
    const { runner, queue } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    queue.enqueue(job("b1", "B"));
    await flush(); // round 0: a1 runs; waiting: b1 (round 0), a2 (round 1)
    await finish(runner, "a1"); // b1 runs; B leaves the rotation
    queue.enqueue(job("c1", "C")); // no turn yet in round 0: goes first
    queue.enqueue(job("b2", "B")); // re-enters at the end; had its round-0 turn
    await flush();
    assert.deepEqual(queue.snapshot().waiting.map((j) => j.id), ["c1", "a2", "b2"]);
    await finish(runner, "b1");
    await finish(runner, "c1");
    await finish(runner, "a2");
    await finish(runner, "b2");
    assert.deepEqual(runner.started, ["a1", "b1", "c1", "a2", "b2"]);
  });

  it("does not let a user who re-enqueues as each job starts starve another", async () => {
    const { runner, queue } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    queue.enqueue(job("a3", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    let n = 1;
    queue.on("started", (j) => {
      if (j.userId === "B" && n < 4) queue.enqueue(job(`b${++n}`, "B"));
    });
    for (let i = 0; i < 7; i++) await finish(runner, runner.runs[i]!.job.id);
    assert.deepEqual(runner.started, ["a1", "b1", "a2", "b2", "a3", "b3", "b4"]);
  });
});

describe("FairJobQueue: positions", () => {
  it("reports positions after enqueue, start, finish and cancel", async () => {
    const { runner, queue, positions, lastPositions } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    queue.enqueue(job("b1", "B"));
    assert.equal(queue.position("b1"), 2);
    await flush();
    // The enqueue burst and the start were coalesced into events; the last one shows a1 running.
    assert.deepEqual(lastPositions(), { a1: 0, b1: 1, a2: 2 });
    assert.deepEqual([...positions.at(-1)!.keys()], ["a1", "b1", "a2"], "running first, then run order");

    const before = positions.length;
    queue.enqueue(job("c1", "C"));
    await flush();
    assert.equal(positions.length, before + 1);
    assert.deepEqual(lastPositions(), { a1: 0, b1: 1, c1: 2, a2: 3 });

    await finish(runner, "a1");
    assert.deepEqual(lastPositions(), { b1: 0, c1: 1, a2: 2 });

    assert.equal(queue.cancel("c1"), "cancelled-queued");
    await flush();
    assert.deepEqual(lastPositions(), { b1: 0, a2: 1 });
    assert.equal(queue.position("c1"), undefined);
    assert.equal(queue.etaMs("c1"), undefined);

    await finish(runner, "b1");
    await finish(runner, "a2");
    assert.deepEqual(lastPositions(), {});
    assert.deepEqual(runner.started, ["a1", "b1", "a2"], "the cancelled job never ran");
  });

  it("sends one positions event for a synchronous burst", async () => {
    const { queue, positions } = setup({ maxWaitingPerUser: 10 });
    queue.pause();
    for (let i = 0; i < 10; i++) queue.enqueue(job(`j${i}`, `u${i % 3}`));
    await flush();
    assert.equal(positions.length, 1);
    assert.equal(positions[0]?.size, 10);
  });
});

describe("FairJobQueue: per-user cap", () => {
  it("refuses a user's job past the cap with a QueueCapError naming it", async () => {
    const { queue } = setup({ maxWaitingPerUser: 2 });
    queue.pause();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    assert.throws(
      () => queue.enqueue(job("a3", "A")),
      (error: unknown) =>
        error instanceof QueueCapError && error.cap === 2 && error.userId === "A" && /2 jobs waiting/.test(error.message),
    );
    assert.equal(queue.position("a3"), undefined);
    queue.enqueue(job("b1", "B")); // other users are not affected
    assert.equal(queue.size, 3);
  });

  it("does not count the running job, and takes a per-call override", async () => {
    const { queue } = setup({ maxWaitingPerUser: 1 });
    queue.enqueue(job("a1", "A"));
    await flush(); // a1 runs
    queue.enqueue(job("a2", "A"));
    assert.throws(() => queue.enqueue(job("a3", "A")), QueueCapError);
    queue.enqueue(job("a3", "A"), { maxWaiting: 2 });
    assert.throws(() => queue.enqueue(job("a4", "A"), { maxWaiting: 2 }), /2 jobs waiting/);
    queue.enqueue(job("a4", "A"), { maxWaiting: Number.POSITIVE_INFINITY });
    assert.equal(queue.size, 3);
  });

  it("frees a place when a waiting job is cancelled", () => {
    const { queue } = setup({ maxWaitingPerUser: 1 });
    queue.pause();
    queue.enqueue(job("a1", "A"));
    assert.throws(() => queue.enqueue(job("a2", "A")), QueueCapError);
    queue.cancel("a1");
    queue.enqueue(job("a2", "A"));
    assert.equal(queue.position("a2"), 1);
  });

  it("refuses duplicate ids and invalid jobs and options", () => {
    const { queue } = setup();
    queue.pause();
    queue.enqueue(job("a1", "A"));
    assert.throws(() => queue.enqueue(job("a1", "B")), /already in the queue/);
    assert.throws(() => queue.enqueue(job("x", "A", 0)), /`steps` to be a positive integer, got `0`/);
    assert.throws(() => queue.enqueue(job("x", "A", 10, -1)), /`cost` to be a positive number/);
    assert.throws(() => setup({ maxWaitingPerUser: 0 }), /`maxWaitingPerUser` to be an integer from 1 and up or Infinity, got `0`/);
    assert.throws(() => setup({ initialStepMs: Number.NaN }), /`initialStepMs`/);
  });
});

describe("FairJobQueue: cancel", () => {
  it("cancels a waiting job and moves up those behind it", async () => {
    const { runner, queue, log } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("b1", "B"));
    queue.enqueue(job("c1", "C"));
    queue.enqueue(job("d1", "D"));
    await flush();
    assert.deepEqual([queue.position("b1"), queue.position("c1"), queue.position("d1")], [1, 2, 3]);
    assert.equal(queue.cancel("b1"), "cancelled-queued");
    assert.deepEqual([queue.position("c1"), queue.position("d1")], [1, 2]);
    assert.ok(log.includes("cancelled b1"));
    await finish(runner, "a1");
    assert.deepEqual(runner.started, ["a1", "c1"]);
    assert.equal(queue.cancel("b1"), "not-found", "already cancelled");
  });

  it("answers not-found for unknown and finished jobs", async () => {
    const { runner, queue } = setup();
    assert.equal(queue.cancel("nope"), "not-found");
    queue.enqueue(job("a1", "A"));
    await flush();
    await finish(runner, "a1");
    assert.equal(queue.cancel("a1"), "not-found");
  });

  it("cancels all of a user's jobs, waiting and running", async () => {
    const { runner, queue, log } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    queue.enqueue(job("b1", "B"));
    queue.enqueue(job("a3", "A"));
    await flush();
    assert.equal(queue.cancelAllOf("A"), 3);
    assert.equal(runner.get("a1").ctx.signal.aborted, true);
    assert.deepEqual(queue.snapshot().waiting.map((j) => j.id), ["b1"]);
    assert.equal(queue.cancelAllOf("nobody"), 0);
    runner.get("a1").reject(new Error("aborted"));
    await flush();
    assert.deepEqual(runner.started, ["a1", "b1"]);
    assert.deepEqual(log.filter((line) => line.startsWith("cancelled")).sort(), [
      "cancelled a1 (running)",
      "cancelled a2",
      "cancelled a3",
    ]);
  });
});

describe("FairJobQueue: failures", () => {
  it("fails a job whose runner rejects and goes on with the next", async () => {
    const { runner, queue, log } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    runner.get("a1").reject(new Error("model exploded"));
    await flush();
    await finish(runner, "b1");
    assert.deepEqual(log, ["started a1", "failed a1: model exploded", "started b1", "finished b1"]);
  });

  it("fails a job whose runner throws synchronously", async () => {
    const log: string[] = [];
    const queue = new FairJobQueue<TestJob>({
      run: (j) => {
        if (j.id === "bad") throw new Error("sync throw");
        return Promise.resolve();
      },
    });
    queue.on("failed", (j) => log.push(`failed ${j.id}`)).on("finished", (j) => log.push(`finished ${j.id}`));
    queue.enqueue(job("bad", "A"));
    queue.enqueue(job("good", "B"));
    await queue.onIdle();
    assert.deepEqual(log, ["failed bad", "finished good"]);
  });

  it("keeps going when a listener throws", async () => {
    const listenerErrors: string[] = [];
    const { runner, queue, log } = setup({ onListenerError: (error, event) => listenerErrors.push(`${event}: ${(error as Error).message}`) });
    queue.on("started", () => {
      throw new Error("presenter bug");
    });
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    await finish(runner, "a1");
    await finish(runner, "b1");
    assert.deepEqual(log, ["started a1", "finished a1", "started b1", "finished b1"]);
    assert.deepEqual(listenerErrors, ["started: presenter bug", "started: presenter bug"]);
  });
});

describe("FairJobQueue: pause and start", () => {
  it("holds jobs while paused and runs them in fair order on start", async () => {
    const { runner, queue } = setup();
    queue.pause();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("a2", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    assert.deepEqual(runner.started, []);
    assert.equal(queue.position("a1"), 1);
    assert.equal(queue.position("b1"), 2);
    queue.start();
    await flush();
    await finish(runner, "a1");
    await finish(runner, "b1");
    await finish(runner, "a2");
    await queue.onIdle();
    assert.deepEqual(runner.started, ["a1", "b1", "a2"]);
  });

  it("lets the running job finish but starts no other until start()", async () => {
    const { runner, queue } = setup();
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    queue.pause();
    await finish(runner, "a1");
    assert.deepEqual(runner.started, ["a1"]);
    assert.equal(queue.position("b1"), 1);
    queue.start();
    await flush();
    assert.deepEqual(runner.started, ["a1", "b1"]);
  });

  it("does not start a job when paused right after enqueue", async () => {
    const { runner, queue } = setup();
    queue.enqueue(job("a1", "A"));
    queue.pause();
    await flush();
    assert.deepEqual(runner.started, []);
    queue.start();
    await flush();
    assert.deepEqual(runner.started, ["a1"]);
  });
});

describe("FairJobQueue: ETA", () => {
  it("estimates from the initial step time, the running job's progress and the measured average", async () => {
    const events: string[] = [];
    const { runner, clock, queue } = setup({ initialStepMs: 100, etaSmoothing: 0.3 });
    queue.on("finished", (j, { ms, msPerStep }) => events.push(`${j.id} ${ms} ${msPerStep}`));
    const etas = () => ["j1", "j2", "j3"].map((id) => queue.etaMs(id));
    queue.pause();
    queue.enqueue(job("j1", "A", 10)); // 10 units
    queue.enqueue(job("j2", "B", 20)); // 20 units
    queue.enqueue(job("j3", "C", 10, 40)); // cost 40 units
    assert.deepEqual(etas(), [0, 1000, 3000]);

    queue.start();
    await flush(); // j1 starts at 0 ms
    assert.deepEqual(etas(), [1000, 1000, 3000]);
    clock.ms = 400; // no progress yet: expected minus elapsed
    assert.deepEqual(etas(), [600, 600, 2600]);
    runner.get("j1").ctx.reportProgress(1, 10); // one report: expected per step × steps left
    assert.deepEqual(etas(), [900, 900, 2900]);
    clock.ms = 1000;
    runner.get("j1").ctx.reportProgress(4, 10); // own pace: 600 ms / 3 steps × 6 left
    assert.deepEqual(etas(), [1200, 1200, 3200]);
    assert.deepEqual(queue.snapshot().running, { job: job("j1", "A", 10), step: 4, totalSteps: 10 });

    clock.ms = 2000;
    await finish(runner, "j1"); // 2000 ms / 10 units: the first measurement replaces the guess
    assert.equal(queue.msPerStep, 200);
    assert.deepEqual(etas(), [undefined, 4000, 4000]);

    clock.ms = 8000;
    await finish(runner, "j2"); // 6000 ms / 20 units = 300: 200 + 0.3 × (300 − 200) = 230
    assert.equal(queue.msPerStep, 230);
    assert.deepEqual(etas(), [undefined, undefined, 9200]);
    assert.deepEqual(events, ["j1 2000 200", "j2 6000 300"]);
  });

  it("measures ms per step against the steps the run reported", async () => {
    const { runner, clock, queue } = setup();
    let timing: { ms: number; msPerStep: number } | undefined;
    queue.on("finished", (_j, t) => (timing = t));
    queue.enqueue(job("img2img", "A", 20));
    await flush();
    runner.get("img2img").ctx.reportProgress(1, 15); // strength 0.75 × 20 steps
    clock.ms = 1500;
    await finish(runner, "img2img");
    assert.deepEqual(timing, { ms: 1500, msPerStep: 100 });
  });

  it("does not learn from failed or cancelled runs", async () => {
    const { runner, clock, queue } = setup({ initialStepMs: 50 });
    queue.enqueue(job("a1", "A"));
    queue.enqueue(job("b1", "B"));
    await flush();
    clock.ms = 100_000;
    runner.get("a1").reject(new Error("boom"));
    await flush();
    queue.cancel("b1");
    clock.ms = 200_000;
    runner.get("b1").reject(new Error("aborted"));
    await flush();
    assert.equal(queue.msPerStep, 50);
  });
});
