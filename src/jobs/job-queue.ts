import type { JobPosition } from "./fair-job-queue.ts";
import type { JobSpec } from "./job-spec.ts";

/** A value now, or later: the in-process queue answers at once, the fleet's queue after a Redis round trip. */
export type Awaitable<T> = T | Promise<T>;

/** The events every job queue sends: progress, positions and ETAs flow this way whichever queue runs the jobs. */
export type JobQueueEvents<J extends JobSpec> = {
  /** Every job's position, running first then in run order, after changes that move anyone. */
  positions: [positions: Map<string, JobPosition>];
  started: [job: J];
  progress: [job: J, step: number, totalSteps: number];
  finished: [job: J, timing: { ms: number; msPerStep: number }];
  failed: [job: J, error: unknown];
  cancelled: [job: J, info: { wasRunning: boolean }];
};

/** What cancelling a job did: dropped it from the waiting list, asked the running one to stop, or found nothing. */
export type CancelOutcome = "cancelled-queued" | "cancelling-running" | "not-found";

/**
 * The seam between the service and whatever runs its jobs: {@link FairJobQueue} in this process (the default, one
 * machine), or the fleet's queue on Redis (src/fleet) shared by several bot processes and GPU workers. Both are
 * fair across users in the same round-robin order (see {@link RoundRobin}).
 */
export interface JobQueue<J extends JobSpec> {
  /**
   * Adds a job at the end of its user's list. Jobs handed to a queue were already accepted (quota, caps), so the
   * service passes `maxWaiting: Infinity`; the in-process queue also enforces a per-call cap when asked.
   * @returns its position now (1 = next to run)
   */
  enqueue(job: J, options?: { maxWaiting?: number }): Awaitable<{ position: number }>;
  /** Drops a waiting job, or asks the running one to stop (`cancelled` follows when its runner settles). */
  cancel(jobId: string): Awaitable<CancelOutcome>;
  /** Milliseconds until the job starts (waiting) or finishes (running); `undefined` when unknown or not queued. */
  etaMs(jobId: string): number | undefined;
  /** Starts no new job here until `start()`; a running one goes on. */
  pause(): Awaitable<void>;
  start(): Awaitable<void>;
  /** Resolves when nothing this queue runs waits or runs. */
  onIdle(): Promise<void>;
  on<E extends keyof JobQueueEvents<J>>(event: E, listener: (...args: JobQueueEvents<J>[E]) => void): this;
  off<E extends keyof JobQueueEvents<J>>(event: E, listener: (...args: JobQueueEvents<J>[E]) => void): this;
}
