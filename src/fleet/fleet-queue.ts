import { Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { CancelOutcome, JobQueue, JobQueueEvents, JobRunner, JobSpec } from "../jobs/index.ts";
import { TypedEmitter } from "../jobs/typed-emitter.ts";
import { DeliveryClaims } from "./delivery-claims.ts";
import { FairRounds } from "./fair-rounds.ts";
import { bullId, CANCELLED_REASON, FLEET_QUEUE_NAME, jobIdOf, timingOf, type FleetJobData } from "./fleet-job.ts";
import { FleetPositionTracker } from "./fleet-position-tracker.ts";
import { cancelChannel, FleetWorker } from "./fleet-worker.ts";

export { FLEET_QUEUE_NAME } from "./fleet-job.ts";

export interface FleetQueueOptions<J extends JobSpec> {
  /** Redis to share, e.g. `redis://127.0.0.1:6379` (REDIS_URL). */
  redisUrl: string;
  /**
   * The key prefix of everything this queue keeps in Redis (BullMQ's `prefix`): deployments, or tests, that
   * share one Redis use different ones.
   * @default "reroll"
   */
  prefix?: string;
  /** When set, this process is also a worker: it takes the fleet's jobs one at a time and runs them with `run`. */
  run?: JobRunner<J>;
  /**
   * Whether this process follows the fleet's positions (`positions` events, `etaMs`, `onIdle`): changes cost a
   * read of the waiting jobs' ids per `positionReadIntervalMs`, which a bot process needs for its status messages
   * and a worker does not.
   * @default true
   */
  trackPositions?: boolean;
  /**
   * The least time between two reads of the fleet's positions: a stream of events (a backlog being worked through)
   * costs a read per interval, the last change included.
   * @default POSITION_READ_INTERVAL_MS (fleet-position-tracker.ts)
   */
  positionReadIntervalMs?: number;
  /**
   * Whether `progress` events reach this process's listeners. A worker's service would edit the status message on
   * every step as well as the bot process that shows it: two edits per step for one message.
   * @default true
   */
  followProgress?: boolean;
  /** This worker's name in BullMQ (`processedBy`), e.g. host and pid. */
  workerName?: string;
  /**
   * How long a worker's lock on its job lasts before it must be renewed; a worker that died loses its job to
   * another after at most this long plus `stalledIntervalMs` (BullMQ's stalled-job detection).
   * @default 30000
   */
  lockDurationMs?: number;
  /**
   * How often workers look for stalled jobs.
   * @default 30000
   */
  stalledIntervalMs?: number;
  /**
   * Milliseconds per reference step assumed for ETAs until a worker has reported one.
   * @default 1000
   */
  initialStepMs?: number;
  /** Receives errors of listeners and of background Redis work; they never reach callers. @default console.error */
  onError?: (error: unknown, where: string) => void;
}

/**
 * The fleet's job queue on Redis: BullMQ carries the jobs (locks, stalled-job takeover, progress events) and
 * {@link FairRounds} decides, atomically in Redis, the round-robin order across members for every bot process at
 * once. Positions and ETAs are computed from the fleet's state (every running and waiting job, every worker), and
 * `progress`/`positions`/`started` reach every process that listens, whichever worker runs the job.
 *
 * `finished`, `failed` and `cancelled` reach every process too (from BullMQ's event stream); `pause()`/`start()`
 * pause this process's worker only.
 */
export class FleetQueue<J extends JobSpec> implements JobQueue<J> {
  readonly prefix: string;
  readonly #queue: Queue<FleetJobData<J>>;
  readonly #events: QueueEvents;
  readonly #worker: FleetWorker<J> | undefined;
  readonly #redis: Redis;
  readonly #rounds: FairRounds;
  readonly #claims: DeliveryClaims;
  readonly #emitter: TypedEmitter<JobQueueEvents<J>>;
  readonly #onError: (error: unknown, where: string) => void;
  readonly #known = new Map<string, J>();
  readonly #connections: Redis[] = [];
  readonly #positions: FleetPositionTracker<J>;

  constructor(options: FleetQueueOptions<J>) {
    const { redisUrl, prefix = "reroll", run, lockDurationMs = 30_000, stalledIntervalMs = 30_000, initialStepMs = 1000 } = options;
    this.prefix = prefix;
    this.#onError = options.onError ?? ((error, where) => console.error(`FleetQueue: ${where}`, error));
    this.#emitter = new TypedEmitter((error, event) => this.#onError(error, `a "${String(event)}" listener threw`));
    // BullMQ wants blocking connections to retry forever; each of its classes gets its own. BullMQ leaves
    // connections it was given open on close(): close() disconnects them.
    const connect = () => {
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      this.#connections.push(connection);
      return connection;
    };
    this.#redis = connect();
    this.#rounds = new FairRounds(this.#redis, prefix);
    this.#claims = new DeliveryClaims(this.#redis, prefix);
    this.#queue = new Queue(FLEET_QUEUE_NAME, { connection: connect(), prefix });
    this.#events = new QueueEvents(FLEET_QUEUE_NAME, { connection: connect(), prefix });
    this.#positions = new FleetPositionTracker<J>({
      queue: this.#queue,
      redis: this.#redis,
      prefix,
      track: options.trackPositions ?? true,
      readIntervalMs: options.positionReadIntervalMs,
      initialStepMs,
      onJob: (job) => this.#known.set(job.id, job),
      onPositions: (positions) => this.#emitter.emit("positions", positions),
      onError: this.#onError,
    });
    this.#events.on("active", ({ jobId }) => void this.#announce(jobId, "started"));
    if (options.followProgress ?? true) this.#events.on("progress", ({ jobId, data }) => void this.#progress(jobId, data));
    this.#events.on("waiting", () => void this.#positions.refresh());
    this.#events.on("stalled", () => void this.#positions.refresh());
    this.#events.on("completed", ({ jobId, returnvalue }) => void this.#ended(jobId, (job) => this.#emitter.emit("finished", job, timingOf(returnvalue))));
    this.#events.on("failed", ({ jobId, failedReason }) =>
      void this.#ended(jobId, (job) =>
        failedReason === CANCELLED_REASON
          ? this.#emitter.emit("cancelled", job, { wasRunning: true })
          : this.#emitter.emit("failed", job, new Error(failedReason)),
      ),
    );
    this.#events.on("removed", ({ jobId }) => void this.#ended(jobId, (job) => this.#emitter.emit("cancelled", job, { wasRunning: false })));
    this.#queue.on("error", (error) => this.#onError(error, "queue"));
    this.#events.on("error", (error) => this.#onError(error, "queue events"));
    if (run) {
      this.#worker = new FleetWorker<J>({
        run,
        prefix,
        connect,
        workerName: options.workerName,
        lockDurationMs,
        stalledIntervalMs,
        rounds: this.#rounds,
        recordStepTime: (msPerUnit) => this.#positions.recordStepTime(msPerUnit),
        onError: this.#onError,
      });
    }
  }

  /** Resolves once every connection is up (jobs enqueued before are not lost either way). */
  async ready(): Promise<void> {
    await Promise.all([this.#queue.waitUntilReady(), this.#events.waitUntilReady(), this.#worker?.waitUntilReady()]);
  }

  async enqueue(job: J): Promise<{ position: number }> {
    if (!(Number.isInteger(job.steps) && job.steps > 0)) {
      throw new TypeError(`Expected \`steps\` to be a positive integer, got \`${job.steps}\` (${typeof job.steps})`);
    }
    this.#known.set(job.id, job);
    const id = bullId(job.id);
    // Already on Redis (a bot restarted while its job waited or ran): keep its place rather than take a new turn.
    if (!(await this.#queue.getJob(id))) {
      const round = await this.#rounds.assign(job.userId, id);
      await this.#queue.add("generate", { job, round }, { jobId: id, priority: round + 1, removeOnComplete: true, removeOnFail: true });
    }
    await this.#positions.refresh();
    return { position: this.#positions.get(job.id)?.position ?? 1 };
  }

  async cancel(jobId: string): Promise<CancelOutcome> {
    const job = await this.#queue.getJob(bullId(jobId));
    if (!job) return "not-found";
    const state = await job.getState();
    if (state !== "active") {
      try {
        await job.remove();
        await this.#rounds.dropped(job.id ?? bullId(jobId));
        return "cancelled-queued";
      } catch {
        // A worker took it meanwhile (BullMQ refuses to remove a locked job): stop it instead.
      }
    }
    // Whichever process runs it hears this and aborts its signal.
    await this.#redis.publish(cancelChannel(this.prefix), bullId(jobId));
    return "cancelling-running";
  }

  etaMs(jobId: string): number | undefined {
    return this.#positions.get(jobId)?.etaMs;
  }

  async pause(): Promise<void> {
    await this.#worker?.pause();
  }

  async start(): Promise<void> {
    this.#worker?.resume();
  }

  /** Resolves when nothing waits or runs anywhere in the fleet. */
  onIdle(): Promise<void> {
    return this.#positions.onIdle();
  }

  on<E extends keyof JobQueueEvents<J>>(event: E, listener: (...args: JobQueueEvents<J>[E]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  off<E extends keyof JobQueueEvents<J>>(event: E, listener: (...args: JobQueueEvents<J>[E]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /**
   * This worker is stopping: from now on a job whose runner returns goes back to the fleet's queue instead of
   * completing (its runner stops early on shutdown and leaves the job unfinished). Call before stopping the runner.
   */
  handBackRunningJobs(): void {
    this.#worker?.handBack();
  }

  /** Claims the posting of job `jobId`'s stored result for this process until `ttlMs` from now (DeliveryClaims.claim). */
  claimDelivery(jobId: string, ttlMs: number): Promise<boolean> {
    return this.#claims.claim(jobId, ttlMs);
  }

  /** Keeps this process's claim on job `jobId`'s post for `ttlMs` more; false when another holds it (DeliveryClaims.renew). */
  renewDeliveryClaim(jobId: string, ttlMs: number): Promise<boolean> {
    return this.#claims.renew(jobId, ttlMs);
  }

  /** Stops this process's worker (its running job returns first) and closes every connection; the jobs stay on Redis. */
  async close(): Promise<void> {
    this.#positions.close();
    await this.#worker?.close();
    await Promise.all([this.#events.close(), this.#queue.close()]);
    for (const connection of this.#connections) connection.disconnect();
  }

  /** A job left the fleet: tell listeners, forget it (its progress events came before this one on the stream). */
  async #ended(bullJobId: string, announce: (job: J) => void): Promise<void> {
    const job = await this.#jobOf(bullJobId);
    this.#known.delete(jobIdOf(bullJobId));
    if (job) announce(job);
    await this.#positions.refresh();
  }

  async #announce(bullJobId: string, event: "started"): Promise<void> {
    const job = await this.#jobOf(bullJobId);
    if (job) this.#emitter.emit(event, job);
    await this.#positions.refresh();
  }

  async #progress(bullJobId: string, data: unknown): Promise<void> {
    const job = await this.#jobOf(bullJobId);
    if (!job || typeof data !== "object" || data === null) return;
    const { step, totalSteps } = data as { step?: unknown; totalSteps?: unknown };
    if (typeof step === "number" && typeof totalSteps === "number") this.#emitter.emit("progress", job, step, totalSteps);
  }

  async #jobOf(bullJobId: string): Promise<J | undefined> {
    const known = this.#known.get(jobIdOf(bullJobId));
    if (known) return known;
    const job = await Job.fromId<FleetJobData<J>>(this.#queue, bullJobId).catch(() => undefined);
    return job?.data.job;
  }
}
