import { WaitingError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { costUnits, type JobRunner, type JobSpec } from "../jobs/index.ts";
import type { FairRounds } from "./fair-rounds.ts";
import { bullId, CANCELLED_REASON, FLEET_QUEUE_NAME, type FleetJobData, type FleetJobTiming } from "./fleet-job.ts";

/** Where a cancel of a running job is published: every worker hears it, and the one running the job aborts it. */
export const cancelChannel = (prefix: string): string => `${prefix}:fleet:cancel`;

export interface FleetWorkerOptions<J extends JobSpec> {
  run: JobRunner<J>;
  prefix: string;
  /** A new Redis connection, closed by whoever owns it (FleetQueue.close). */
  connect: () => Redis;
  /** See FleetQueueOptions. */
  workerName: string | undefined;
  lockDurationMs: number;
  stalledIntervalMs: number;
  rounds: FairRounds;
  /** Called with each completed job's milliseconds per reference step (FleetPositionTracker.recordStepTime). */
  recordStepTime: (msPerUnit: number) => Promise<void>;
  onError: (error: unknown, where: string) => void;
}

/**
 * This process as one of the fleet's workers: takes the fleet's jobs one at a time and runs them, reports their
 * progress through BullMQ, aborts the one it runs when a cancel for it is published, and hands its job back when
 * the process stops.
 */
export class FleetWorker<J extends JobSpec> {
  readonly #options: FleetWorkerOptions<J>;
  readonly #worker: Worker<FleetJobData<J>, FleetJobTiming>;
  #handingBack = false;

  constructor(options: FleetWorkerOptions<J>) {
    this.#options = options;
    const { prefix, connect, onError } = options;
    this.#worker = new Worker<FleetJobData<J>, FleetJobTiming>(FLEET_QUEUE_NAME, (job, token, signal) => this.#process(job, token, signal), {
      connection: connect(),
      ...(options.workerName && { name: options.workerName }),
      prefix,
      concurrency: 1,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
    });
    this.#worker.on("error", (error) => onError(error, "worker"));
    const subscriber = connect();
    void subscriber.subscribe(cancelChannel(prefix)).catch((error: unknown) => onError(error, "cancel channel"));
    subscriber.on("message", (_channel, id: string) => this.#worker.cancelJob(id));
  }

  async waitUntilReady(): Promise<void> {
    await this.#worker.waitUntilReady();
  }

  /** Takes no new job; the running one goes on, and this does not wait for it. */
  async pause(): Promise<void> {
    await this.#worker.pause(true);
  }

  resume(): void {
    this.#worker.resume();
  }

  /** See FleetQueue.handBackRunningJobs. */
  handBack(): void {
    this.#handingBack = true;
  }

  /** Stops taking jobs; resolves once the running one has returned. */
  async close(): Promise<void> {
    await this.#worker.close();
  }

  async #process(bullJob: Job<FleetJobData<J>>, token: string | undefined, signal: AbortSignal | undefined): Promise<FleetJobTiming> {
    const { run, rounds, onError } = this.#options;
    const { job, round } = bullJob.data;
    await rounds.started(bullJob.id ?? bullId(job.id), round);
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const startedAt = performance.now();
    let totalSteps = job.steps;
    // One report at a time, in order, all sent before the job completes (then listeners still know the job).
    let reported = Promise.resolve();
    const reportProgress = (step: number, total: number): void => {
      totalSteps = total;
      reported = reported.then(() => bullJob.updateProgress({ step, totalSteps: total })).catch((error: unknown) => onError(error, "progress"));
    };
    try {
      await run(job, { signal: controller.signal, reportProgress });
      await reported;
    } catch (error) {
      await reported;
      if (controller.signal.aborted) throw new Error(CANCELLED_REASON);
      throw error;
    }
    if (this.#handingBack) {
      // Stopping: the runner may have given up on the job (it stays unfinished in the database). Back to the queue
      // with its round; if it had in fact finished, the next worker finds it done and only skips it.
      await bullJob.moveToWait(token);
      throw new WaitingError();
    }
    const ms = performance.now() - startedAt;
    await this.#options.recordStepTime(ms / costUnits(job));
    return { ms, msPerStep: ms / (totalSteps > 0 ? totalSteps : job.steps) };
  }
}
