import { Redis } from "ioredis";

export interface FleetReconcilerOptions {
  redisUrl: string;
  /** The fleet's key prefix (REDIS_PREFIX). */
  prefix: string;
  /** Queues every unfinished job of the database again, oldest first, skipping those Redis still holds. */
  requeue: () => Promise<number>;
  /**
   * How often to check that Redis still holds the fleet's state.
   * @default 5000
   */
  intervalMs?: number;
  /** Told how many jobs were queued again, or why a check failed. */
  onReconciled?: (requeued: number) => void;
  onError?: (error: unknown) => void;
}

/**
 * Notices that Redis lost the fleet's queue (restarted empty: this project's Redis keeps nothing on disk, or the
 * keys were flushed) and queues every unfinished job of the database again, in its original order. The database is
 * the source of truth; Redis only carries the work.
 *
 * How it notices: a marker key that every bot process sets when it starts. When it is gone, the first process to set
 * it again (`SET NX`, atomic) re-queues; the others see it set and do nothing, so jobs are not given two turns.
 */
export class FleetReconciler {
  readonly #redis: Redis;
  readonly #marker: string;
  readonly #options: FleetReconcilerOptions;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<number> | undefined;

  constructor(options: FleetReconcilerOptions) {
    this.#options = options;
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#marker = `${options.prefix}:fleet:alive`;
  }

  /** Marks the fleet's state as present (the caller has just queued the unfinished jobs) and checks periodically. */
  async start(): Promise<void> {
    await this.#redis.set(this.#marker, String(Date.now()));
    this.#timer = setInterval(() => void this.check(), this.#options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  /** One check now: re-queues and resolves with how many jobs if Redis had lost the state (0 otherwise). */
  check(): Promise<number> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<number> {
    let claimed = false;
    try {
      claimed = (await this.#redis.set(this.#marker, String(Date.now()), "NX")) === "OK";
      if (!claimed) return 0;
      const requeued = await this.#options.requeue();
      this.#options.onReconciled?.(requeued);
      return requeued;
    } catch (error) {
      // Not done: let the next check (here or in another process) try again.
      if (claimed) await this.#redis.del(this.#marker).catch(() => undefined);
      this.#options.onError?.(error);
      return 0;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#redis.disconnect();
  }
}
