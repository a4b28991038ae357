import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FairJobQueue, type JobPosition, type JobSpec } from "../../src/jobs/index.ts";
import { FakeRunner, flush } from "./fake-runner.ts";

const job = (id: string, userId: string, group: string): JobSpec => ({ id, userId, steps: 10, group });

/** Runs the queue to the end, one job at a time, and returns the order the jobs started in. */
async function runAll(runner: FakeRunner<JobSpec>, queue: FairJobQueue<JobSpec>, before?: (started: string[]) => void): Promise<string[]> {
  await flush();
  for (let i = 0; i < runner.runs.length; i++) {
    before?.(runner.started);
    runner.runs[i]!.resolve();
    await flush();
  }
  await queue.onIdle();
  return runner.started;
}

describe("FairJobQueue: grouping jobs by model within fairness", () => {
  it("runs the loaded model's waiting jobs before switching, instead of alternating models every job", async () => {
    const runner = new FakeRunner<JobSpec>();
    const queue = new FairJobQueue<JobSpec>({ run: runner.run, maxWaitingPerUser: Infinity, initialGroup: "sd15" });
    // Fair order alternates users: a1(sd15) b1(anime) c1(sd15) a2(anime) b2(sd15) c2(anime).
    for (const j of [job("a1", "A", "sd15"), job("b1", "B", "anime"), job("c1", "C", "sd15"), job("a2", "A", "anime"), job("b2", "B", "sd15"), job("c2", "C", "anime")]) {
      queue.enqueue(j);
    }
    const started = await runAll(runner, queue);
    // a1 runs; b1 needs a switch, so the sd15 jobs waiting then (c1, b2) run first; then anime in fair order: b1, then
    // C (no turn yet this round: c1 ran out of turn) before A's second.
    assert.deepEqual(started, ["a1", "c1", "b2", "b1", "c2", "a2"]);
    const switches = started.filter((id, i) => i > 0 && ["b1", "a2", "c2"].includes(id) !== ["b1", "a2", "c2"].includes(started[i - 1]!)).length;
    assert.equal(switches, 1, "one model switch instead of five");
  });

  it("a job passed over for a batch is delayed by that batch only: loaded-model jobs that arrive later wait their turn", async () => {
    const runner = new FakeRunner<JobSpec>();
    const queue = new FairJobQueue<JobSpec>({ run: runner.run, maxWaitingPerUser: Infinity, initialGroup: "sd15" });
    queue.enqueue(job("a1", "A", "sd15"));
    queue.enqueue(job("b1", "B", "anime"));
    queue.enqueue(job("a2", "A", "sd15"));
    await flush();
    // While a1 runs, b1 (anime) is next in fairness; a2 (sd15, already waiting) is batched before it.
    let added = false;
    const started = await runAll(runner, queue, (so) => {
      // Once the batch has started, A keeps adding sd15 jobs: none of them may jump ahead of b1.
      if (so.at(-1) === "a2" && !added) {
        added = true;
        queue.enqueue(job("a3", "A", "sd15"));
        queue.enqueue(job("a4", "A", "sd15"));
      }
    });
    assert.deepEqual(started.slice(0, 4), ["a1", "a2", "b1", "a3"]);
  });

  it("ETAs count the measured load time of each switch, in the order the jobs will really run", async () => {
    const runner = new FakeRunner<JobSpec>();
    const positions: Map<string, JobPosition>[] = [];
    const queue = new FairJobQueue<JobSpec>({
      run: runner.run,
      maxWaitingPerUser: Infinity,
      initialGroup: "sd15",
      initialStepMs: 100,
      now: () => 0,
      switchMs: (group) => (group === "anime" ? 5_000 : 7_000),
    });
    queue.on("positions", (map) => positions.push(map));
    queue.pause();
    queue.enqueue(job("a1", "A", "anime"));
    queue.enqueue(job("b1", "B", "sd15"));
    await flush();
    const last = positions.at(-1)!;
    // b1 (sd15, loaded) goes first as a batch; then a1 after a switch to anime: 1 000 ms of b1 + 5 000 ms of load.
    assert.deepEqual([...last].map(([id, p]) => [id, p.position, p.etaMs]), [["b1", 1, 0], ["a1", 2, 6_000]]);
  });

  it("jobs of one model, or without a model, keep the plain fair order", async () => {
    const runner = new FakeRunner<JobSpec>();
    const queue = new FairJobQueue<JobSpec>({ run: runner.run, maxWaitingPerUser: Infinity });
    for (const j of [job("a1", "A", "x"), job("a2", "A", "x"), job("b1", "B", "x")]) queue.enqueue(j);
    queue.enqueue({ id: "c1", userId: "C", steps: 10 });
    assert.deepEqual(await runAll(runner, queue), ["a1", "b1", "c1", "a2"]);
  });
});
