import type { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { costUnits, type JobPosition, type JobSpec } from "../jobs/index.ts";
import type { FleetJobData } from "./fleet-job.ts";
import { fleetPositions, type FleetJobState } from "./fleet-positions.ts";

export interface FleetPositionTrackerOptions<J extends JobSpec> {
  queue: Queue<FleetJobData<J>>;
  redis: Redis;
  prefix: string;
  /** Whether to read positions on every change (FleetQueueOptions.trackPositions); `onIdle` reads them either way. */
  track: boolean;
  /** Milliseconds per reference step assumed until a worker has recorded one. */
  initialStepMs: number;
  /** Each job a read found waiting or running, so that later events about it can name it. */
  onJob: (job: J) => void;
  /** The positions after each read. */
  onPositions: (positions: Map<string, JobPosition>) => void;
  onError: (error: unknown, where: string) => void;
}

/**
 * Positions and ETAs as this process sees the fleet: recomputed from Redis (every running and waiting job, every
 * worker) whenever {@link refresh} is called, and the fleet's moving average of milliseconds per reference step,
 * which every worker records and every process's ETAs use.
 */
export class FleetPositionTracker<J extends JobSpec> {
  readonly #options: FleetPositionTrackerOptions<J>;
  readonly #stepTimeKey: string;
  #positions = new Map<string, JobPosition>();
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  constructor(options: FleetPositionTrackerOptions<J>) {
    this.#options = options;
    this.#stepTimeKey = `${options.prefix}:fleet:ms-per-unit`;
  }

  /** Job `jobId`'s position and ETA at the latest read. */
  get(jobId: string): JobPosition | undefined {
    return this.#positions.get(jobId);
  }

  /** Resolves when nothing waits or runs anywhere in the fleet. */
  onIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      void this.refresh();
    });
  }

  /** Recomputes positions from Redis (coalescing bursts of events) and sends them to `onPositions`. */
  refresh(): Promise<void> {
    if (!this.#options.track && this.#idleWaiters.length === 0) return Promise.resolve();
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        try {
          await this.#read();
        } catch (error) {
          if (!this.#closed) this.#options.onError(error, "reading the fleet's positions");
        }
      } while (this.#refreshAgain && !this.#closed);
      this.#refreshing = undefined;
    })();
    return this.#refreshing;
  }

  /** A worker ran a job at `msPerUnit` per reference step: the fleet's moving average, for everyone's ETAs. */
  async recordStepTime(msPerUnit: number): Promise<void> {
    const previous = Number(await this.#options.redis.get(this.#stepTimeKey));
    const next = previous > 0 ? previous * 0.7 + msPerUnit * 0.3 : msPerUnit;
    await this.#options.redis.set(this.#stepTimeKey, String(next));
  }

  /** No more reads: the queue's connections are closing. */
  close(): void {
    this.#closed = true;
  }

  async #read(): Promise<void> {
    if (this.#closed) return;
    const { queue, redis, initialStepMs } = this.#options;
    const [active, waiting, workers, msPerUnit] = await Promise.all([
      queue.getJobs(["active"]),
      // Lowest round first, then in the order they were added: the order workers will take them.
      queue.getJobs(["prioritized", "wait"], 0, -1, true),
      queue.getWorkersCount(),
      redis.get(this.#stepTimeKey),
    ]);
    for (const job of [...active, ...waiting]) if (job?.data) this.#options.onJob(job.data.job);
    const state = (job: Job<FleetJobData<J>> | undefined, running: boolean): FleetJobState[] =>
      job?.data ? [{ id: job.data.job.id, units: costUnits(job.data.job), ...(running && { startedAt: job.processedOn ?? Date.now() }) }] : [];
    this.#positions = fleetPositions(
      active.flatMap((job) => state(job, true)),
      waiting.flatMap((job) => state(job, false)),
      { workers, msPerUnit: Number(msPerUnit) || initialStepMs, now: Date.now() },
    );
    this.#options.onPositions(this.#positions);
    if (this.#positions.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
