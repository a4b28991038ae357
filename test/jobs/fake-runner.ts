import type { JobContext, JobRunner, JobSpec } from "../../src/jobs/index.ts";

/** One call of the fake runner; the test settles it by hand. */
export interface FakeRun<J> {
  job: J;
  ctx: JobContext;
  resolve(): void;
  reject(error: unknown): void;
}

/** A job runner whose runs settle only when the test says so, and which counts overlapping runs. */
export class FakeRunner<J extends JobSpec> {
  readonly runs: FakeRun<J>[] = [];
  active = 0;
  maxActive = 0;

  readonly run: JobRunner<J> = (job, ctx) => {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise<void>((resolve, reject) => {
      this.runs.push({ job, ctx, resolve, reject });
    }).finally(() => {
      this.active--;
    });
  };

  /** Ids in the order the runner was called. */
  get started(): string[] {
    return this.runs.map((run) => run.job.id);
  }

  /** The call for `id`; fails the test if it never started. */
  get(id: string): FakeRun<J> {
    const run = this.runs.find((candidate) => candidate.job.id === id);
    if (!run) throw new Error(`job ${id} has not started; started: ${this.started.join(", ")}`);
    return run;
  }
}

/** Lets every pending promise callback and microtask run (a macrotask turn, not a timed wait). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
