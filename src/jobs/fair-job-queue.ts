import PQueue from "p-queue";
import type { CancelOutcome, JobQueue } from "./job-queue.ts";
import { costUnits, type JobRunner, type JobSpec } from "./job-spec.ts";
import { QueueCapError } from "./queue-cap-error.ts";
import { RoundRobin } from "./round-robin.ts";
import { StepTimeEstimator, type RunProgress } from "./step-time-estimator.ts";
import { pickBatched, plannedOrder, type BatchState } from "./model-batching.ts";
import { TypedEmitter } from "./typed-emitter.ts";

/** Where a job stands: `position` 0 = running, 1 = next to run; `etaMs` until it starts (queued) or finishes (running). */
export interface JobPosition {
  position: number;
  etaMs: number;
}

/** The queue's events and their listener arguments. */
export type FairJobQueueEvents<J extends JobSpec> = {
  /** Every job's position, running first then in run order. Sent once after each batch of changes that move anyone. */
  positions: [positions: Map<string, JobPosition>];
  started: [job: J];
  progress: [job: J, step: number, totalSteps: number];
  finished: [job: J, timing: { ms: number; msPerStep: number }];
  failed: [job: J, error: unknown];
  /** `wasRunning`: sent once the runner has settled, so the next job may already be starting. */
  cancelled: [job: J, info: { wasRunning: boolean }];
};

export interface FairJobQueueOptions<J extends JobSpec> {
  /** Runs one job; never called while another call has not settled. */
  run: JobRunner<J>;
  /**
   * How many jobs one user may have waiting (the running one not counted). `enqueue` may override it per call.
   * @default 3
   */
  maxWaitingPerUser?: number;
  /**
   * Milliseconds per reference step assumed for ETAs until a job has finished.
   * @default 1000
   */
  initialStepMs?: number;
  /**
   * Weight of the newest job in the moving average of step time, in (0, 1].
   * @default 0.3
   */
  etaSmoothing?: number;
  /**
   * Milliseconds a switch to `group` (loading that model) takes, for ETAs: the last measured load, if any.
   * @default no cost
   */
  switchMs?: (group: string) => number | undefined;
  /**
   * The group loaded before the first job (the startup model).
   * @default none
   */
  initialGroup?: string;
  /**
   * The clock for durations and ETAs, in milliseconds.
   * @default performance.now
   */
  now?: () => number;
  /**
   * Receives errors thrown by event listeners; they never reach the queue.
   * @default logs with console.error
   */
  onListenerError?: (error: unknown, event: keyof FairJobQueueEvents<J>) => void;
}

interface RunningJob<J> extends RunProgress {
  job: J;
  controller: AbortController;
}

/**
 * A serial job queue, fair across users, in front of a single worker.
 *
 * - One job runs at a time. Cancelling the running job aborts its signal, but the next job starts
 *   only when the runner has really settled: the p-queue task awaits the runner, and the abort
 *   signal is deliberately not given to p-queue (which would free its slot at once).
 * - Jobs run in round-robin order across users (see {@link RoundRobin} for the exact rule): each
 *   `enqueue` adds one p-queue task, and a task *picks* the job whose turn it is when it runs; a
 *   task that finds nothing (its job was cancelled) returns at once.
 * - A runner that rejects fails its job and the queue goes on; one that rejects after its job was
 *   cancelled counts as cancelled; one that resolves after a cancel counts as finished (it was too late).
 * - A job never starts inside `enqueue()`: callers get its return value before `started`.
 *
 * @example
 * ```ts
 * const queue = new FairJobQueue<MyJob>({ run: (job, { signal, reportProgress }) => generate(job, signal, reportProgress) });
 * queue.on("positions", (positions) => updateStatusMessages(positions));
 * const { position } = queue.enqueue({ id: "g1", userId: "u1", steps: 20 });
 * ```
 */
export class FairJobQueue<J extends JobSpec> implements JobQueue<J> {
  readonly #queue = new PQueue({ concurrency: 1 });
  readonly #waiting = new RoundRobin<J>();
  /** Ids waiting or running, to refuse duplicates. */
  readonly #ids = new Set<string>();
  #running: RunningJob<J> | undefined;
  readonly #run: JobRunner<J>;
  readonly #maxWaitingPerUser: number;
  readonly #estimator: StepTimeEstimator;
  readonly #now: () => number;
  readonly #events: TypedEmitter<FairJobQueueEvents<J>>;
  #positionsScheduled = false;
  #batching: BatchState;
  readonly #switchMs: (group: string) => number | undefined;

  constructor(options: FairJobQueueOptions<J>) {
    const {
      run,
      maxWaitingPerUser = 3,
      initialStepMs = 1000,
      etaSmoothing = 0.3,
      now = () => performance.now(),
      onListenerError = (error, event) => console.error(`FairJobQueue: a "${event}" listener threw`, error),
    } = options;
    assertCap(maxWaitingPerUser, "maxWaitingPerUser");
    if (!(Number.isFinite(initialStepMs) && initialStepMs > 0)) {
      throw new TypeError(`Expected \`initialStepMs\` to be a positive number, got \`${initialStepMs}\` (${typeof initialStepMs})`);
    }
    if (!(etaSmoothing > 0 && etaSmoothing <= 1)) {
      throw new TypeError(`Expected \`etaSmoothing\` to be a number in (0, 1], got \`${etaSmoothing}\` (${typeof etaSmoothing})`);
    }
    this.#run = run;
    this.#maxWaitingPerUser = maxWaitingPerUser;
    this.#estimator = new StepTimeEstimator({ initialMsPerUnit: initialStepMs, smoothing: etaSmoothing });
    this.#now = now;
    this.#events = new TypedEmitter(onListenerError);
    this.#batching = { group: options.initialGroup, batch: undefined };
    this.#switchMs = options.switchMs ?? (() => undefined);
  }

  /** How many jobs are waiting (the running one not counted). */
  get size(): number {
    return this.#waiting.size;
  }

  /** Current estimate of milliseconds per reference step (see `JobSpec.cost`). */
  get msPerStep(): number {
    return this.#estimator.msPerUnit;
  }

  /**
   * Adds a job at the end of its user's list.
   * @param options.maxWaiting this user's cap for this call: a server's own limit, or `Infinity` when
   *   re-enqueueing jobs that were already accepted before a restart
   * @returns its position now (1 = next to run)
   * @throws {QueueCapError} when the user already has the maximum waiting
   */
  enqueue(job: J, options: { maxWaiting?: number } = {}): { position: number } {
    const cap = options.maxWaiting ?? this.#maxWaitingPerUser;
    assertCap(cap, "maxWaiting");
    if (!(Number.isInteger(job.steps) && job.steps > 0)) {
      throw new TypeError(`Expected \`steps\` to be a positive integer, got \`${job.steps}\` (${typeof job.steps})`);
    }
    if (job.cost !== undefined && !(Number.isFinite(job.cost) && job.cost > 0)) {
      throw new TypeError(`Expected \`cost\` to be a positive number, got \`${job.cost}\` (${typeof job.cost})`);
    }
    if (this.#ids.has(job.id)) throw new Error(`Job \`${job.id}\` is already in the queue`);
    if (this.#waiting.countOf(job.userId) >= cap) throw new QueueCapError(job.userId, cap);

    this.#waiting.push(job.userId, job);
    this.#ids.add(job.id);
    this.#addTask();
    this.#schedulePositions();
    return { position: this.position(job.id)! };
  }

  /** Cancels a waiting job at once, or asks the running one to stop (`cancelled` follows when its runner settles). */
  cancel(jobId: string): CancelOutcome {
    if (this.#running?.job.id === jobId) {
      this.#running.controller.abort();
      return "cancelling-running";
    }
    const job = this.#waiting.remove((waiting) => waiting.id === jobId);
    if (!job) return "not-found";
    this.#dropWaiting(job);
    this.#schedulePositions();
    return "cancelled-queued";
  }

  /** Cancels all of a user's jobs, waiting and running. @returns how many were cancelled or are being cancelled */
  cancelAllOf(userId: string): number {
    const jobs = this.#waiting.removeAllOf(userId);
    for (const job of jobs) this.#dropWaiting(job);
    let count = jobs.length;
    if (this.#running?.job.userId === userId) {
      this.#running.controller.abort();
      count++;
    }
    if (count > 0) this.#schedulePositions();
    return count;
  }

  /** 0 = running, 1 = next to run; `undefined` when the job is not in the queue. */
  position(jobId: string): number | undefined {
    return this.#positions().get(jobId)?.position;
  }

  /**
   * Milliseconds until the job starts (waiting) or finishes (running): the running job's time left
   * plus the expected time of every job ahead of it in fair order. `undefined` when not in the queue.
   * While paused it is the time it would take once started.
   */
  etaMs(jobId: string): number | undefined {
    return this.#positions().get(jobId)?.etaMs;
  }

  /** The running job and its progress, and the waiting jobs in the order they will run. */
  snapshot(): { running?: { job: J; step: number; totalSteps: number }; waiting: J[] } {
    const running = this.#running;
    return {
      ...(running && { running: { job: running.job, step: running.step, totalSteps: running.totalSteps } }),
      waiting: plannedOrder(this.#waiting.order(), this.#batching).map(({ job }) => job),
    };
  }

  /** Resolves when nothing waits or runs (never while paused with jobs waiting). */
  onIdle(): Promise<void> {
    return this.#queue.onIdle();
  }

  /** Starts no new job until `start()`; the running one goes on. A new queue starts running. */
  pause(): void {
    this.#queue.pause();
  }

  /** Resumes after `pause()`. */
  start(): void {
    this.#queue.start();
  }

  on<E extends keyof FairJobQueueEvents<J>>(event: E, listener: (...args: FairJobQueueEvents<J>[E]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  off<E extends keyof FairJobQueueEvents<J>>(event: E, listener: (...args: FairJobQueueEvents<J>[E]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  #addTask(): void {
    // The task never rejects; the catch only keeps a bug from becoming an unhandled rejection.
    this.#queue.add(() => this.#runNext()).catch((error: unknown) => console.error("FairJobQueue: task failed", error));
  }

  /** One p-queue task: runs the job whose turn it is, if any, and settles only when its runner has. */
  async #runNext(): Promise<void> {
    // p-queue calls us synchronously from add(); wait a tick so that no job starts inside enqueue().
    await Promise.resolve();
    if (this.#queue.isPaused) {
      // Paused during that tick: hand the turn back to p-queue so there stays one task per waiting job.
      this.#addTask();
      return;
    }
    const job = this.#take();
    if (!job) return;

    const running: RunningJob<J> = {
      job,
      controller: new AbortController(),
      units: costUnits(job),
      startedAt: this.#now(),
      step: 0,
      totalSteps: job.steps,
    };
    this.#running = running;
    this.#events.emit("started", job);
    this.#schedulePositions();

    const reportProgress = (step: number, totalSteps: number): void => {
      if (this.#running !== running) return; // late report from a settled run
      running.step = step;
      running.totalSteps = totalSteps;
      running.firstReport ??= { at: this.#now(), step };
      this.#events.emit("progress", job, step, totalSteps);
    };

    let failure: { error: unknown } | undefined;
    try {
      await this.#run(job, { signal: running.controller.signal, reportProgress });
    } catch (error) {
      failure = { error };
    }

    const ms = this.#now() - running.startedAt;
    this.#running = undefined;
    this.#ids.delete(job.id);
    if (!failure) {
      this.#estimator.record(ms, running.units);
      const steps = running.totalSteps > 0 ? running.totalSteps : job.steps;
      this.#events.emit("finished", job, { ms, msPerStep: ms / steps });
    } else if (running.controller.signal.aborted) {
      this.#events.emit("cancelled", job, { wasRunning: true });
    } else {
      this.#events.emit("failed", job, failure.error);
    }
    this.#schedulePositions();
  }

  /** The next job: the fair turn, or a job of the loaded model batched before a switch (see model-batching.ts). */
  #take(): J | undefined {
    const order = this.#waiting.order();
    const next = pickBatched(order, this.#batching);
    if (!next) return undefined;
    this.#batching = next.state;
    const chosen = order[next.index]!;
    // The fair turn is take() itself; a batched job is taken out of turn, leaving everyone's turns as they were.
    return next.index === 0 ? this.#waiting.take() : this.#waiting.remove((job) => job === chosen);
  }

  #dropWaiting(job: J): void {
    this.#ids.delete(job.id);
    this.#events.emit("cancelled", job, { wasRunning: false });
  }

  /** Coalesces the changes of one synchronous burst (e.g. re-enqueueing after a restart) into one event. */
  #schedulePositions(): void {
    if (this.#positionsScheduled) return;
    this.#positionsScheduled = true;
    queueMicrotask(() => {
      this.#positionsScheduled = false;
      this.#events.emit("positions", this.#positions());
    });
  }

  #positions(): Map<string, JobPosition> {
    const positions = new Map<string, JobPosition>();
    let eta = 0;
    if (this.#running) {
      eta = this.#estimator.remainingMs(this.#running, this.#now());
      positions.set(this.#running.job.id, { position: 0, etaMs: Math.round(eta) });
    }
    let position = 1;
    for (const { job, switches } of plannedOrder(this.#waiting.order(), this.#batching)) {
      // A job that needs another model waits for its load too (the last measured one).
      if (switches && job.group !== undefined) eta += this.#switchMs(job.group) ?? 0;
      positions.set(job.id, { position: position++, etaMs: Math.round(eta) });
      eta += this.#estimator.estimateMs(costUnits(job));
    }
    return positions;
  }
}

function assertCap(value: number, name: string): void {
  if (!(value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1))) {
    throw new TypeError(`Expected \`${name}\` to be an integer from 1 and up or Infinity, got \`${value}\` (${typeof value})`);
  }
}
