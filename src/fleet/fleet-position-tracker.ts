import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { costUnits, type JobPosition, type JobSpec } from "../jobs/index.ts";
import type { FleetJobData } from "./fleet-job.ts";
import { fleetPositions, type FleetJobState } from "./fleet-positions.ts";

/**
 * The least time between two reads of the fleet's positions: a third of the presenter's status edit interval
 * (1.5 s), so a status message shows positions at most this much older than it could, while a backlog's stream of
 * events costs two reads a second rather than one after another.
 */
export const POSITION_READ_INTERVAL_MS = 500;

/** How the tracker spaces its reads: the clock and timer it uses, which a test replaces with one it advances. */
export interface ReadPacer {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realPacer: ReadPacer = {
  now: () => performance.now(),
  // Unref'd: a trailing read still waiting never keeps a stopping process alive.
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()),
};

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
  /** The least time between two reads. @default POSITION_READ_INTERVAL_MS */
  readIntervalMs?: number;
  /** @default performance.now and setTimeout */
  pacer?: ReadPacer;
}

/**
 * Positions and ETAs as this process sees the fleet: recomputed from Redis (every running and waiting job, every
 * worker) when {@link refresh} is called, at most once per read interval, and the fleet's moving average of
 * milliseconds per reference step, which every worker records and every process's ETAs use.
 */
export class FleetPositionTracker<J extends JobSpec> {
  readonly #options: FleetPositionTrackerOptions<J>;
  readonly #stepTimeKey: string;
  readonly #intervalMs: number;
  readonly #pacer: ReadPacer;
  #positions = new Map<string, JobPosition>();
  /** The waiting jobs at the latest read, by BullMQ id: a job's data is read once, its place in line every time. */
  #waiting = new Map<string, J>();
  /** Callers of refresh() waiting for a read that begins after their call. */
  #pending: Array<() => void> = [];
  #reading = false;
  #lastReadAt = -Infinity;
  /** Ends the wait for the next read early (onIdle, close). */
  #wake: (() => void) | undefined;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  constructor(options: FleetPositionTrackerOptions<J>) {
    this.#options = options;
    this.#stepTimeKey = `${options.prefix}:fleet:ms-per-unit`;
    this.#intervalMs = options.readIntervalMs ?? POSITION_READ_INTERVAL_MS;
    this.#pacer = options.pacer ?? realPacer;
  }

  /** Job `jobId`'s position and ETA at the latest read. */
  get(jobId: string): JobPosition | undefined {
    return this.#positions.get(jobId);
  }

  /** Resolves when nothing waits or runs anywhere in the fleet (reading at once, not after the read interval). */
  onIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      void this.refresh();
      this.#wake?.();
    });
  }

  /**
   * Recomputes positions from Redis and sends them to `onPositions`; resolves after a read that began after this
   * call. Reads are at least the read interval apart: a burst of calls costs a read now and one when the interval
   * is up, which sees the burst's last change.
   */
  refresh(): Promise<void> {
    if (!this.#options.track && this.#idleWaiters.length === 0) return Promise.resolve();
    const read = new Promise<void>((resolve) => this.#pending.push(resolve));
    if (!this.#reading) void this.#readWhilePending();
    return read;
  }

  async #readWhilePending(): Promise<void> {
    this.#reading = true;
    while (this.#pending.length && !this.#closed) {
      const wait = this.#lastReadAt + this.#intervalMs - this.#pacer.now();
      if (wait > 0 && this.#idleWaiters.length === 0) {
        await Promise.race([this.#pacer.sleep(wait), new Promise<void>((resolve) => (this.#wake = resolve))]);
        this.#wake = undefined;
        if (this.#closed) break;
      }
      // Each caller waits for one read, not for the events to stop: a backlog's events never do.
      const served = this.#pending.splice(0);
      this.#lastReadAt = this.#pacer.now();
      try {
        await this.#read();
      } catch (error) {
        if (!this.#closed) this.#options.onError(error, "reading the fleet's positions");
      }
      for (const resolve of served) resolve();
    }
    for (const resolve of this.#pending.splice(0)) resolve();
    this.#reading = false;
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
    this.#wake?.();
  }

  async #read(): Promise<void> {
    if (this.#closed) return;
    const { queue, redis, initialStepMs } = this.#options;
    const [active, waitingIds, workers, msPerUnit] = await Promise.all([
      queue.getJobs(["active"]),
      // Lowest round first, then in the order they were added: the order workers will take them.
      queue.getRanges(["prioritized", "wait"], 0, -1, true),
      queue.getWorkersCount(),
      redis.get(this.#stepTimeKey),
    ]);
    const waiting = await this.#waitingJobs(waitingIds);
    for (const job of active) if (job?.data) this.#options.onJob(job.data.job);
    for (const job of waiting) this.#options.onJob(job);
    const state = (job: J): FleetJobState => ({ id: job.id, units: costUnits(job) });
    this.#positions = fleetPositions(
      active.flatMap((job) => (job?.data ? [{ ...state(job.data.job), startedAt: job.processedOn ?? Date.now() }] : [])),
      waiting.map(state),
      { workers, msPerUnit: Number(msPerUnit) || initialStepMs, now: Date.now() },
    );
    this.#options.onPositions(this.#positions);
    if (this.#positions.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * The jobs behind `ids`, in that order: those the previous read saw from memory, the others' data from their
   * hashes (a job removed since its id was read is left out).
   */
  async #waitingJobs(ids: string[]): Promise<J[]> {
    const { queue, redis } = this.#options;
    const fresh = ids.filter((id) => !this.#waiting.has(id));
    const data = await Promise.all(fresh.map((id) => redis.hget(queue.toKey(id), "data")));
    const read = new Map(fresh.map((id, i) => [id, data[i] ? (JSON.parse(data[i]!) as FleetJobData<J>).job : undefined]));
    const waiting = new Map<string, J>();
    for (const id of ids) {
      const job = this.#waiting.get(id) ?? read.get(id);
      if (job) waiting.set(id, job);
    }
    this.#waiting = waiting;
    return [...waiting.values()];
  }
}
