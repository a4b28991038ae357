import type { ModelDescription, PublishedModels } from "./published-models.ts";

export interface ModelPublisherOptions {
  catalog: Pick<PublishedModels, "publish">;
  /** What this worker serves, read again at every publish (a `models add` while it runs shows up). */
  describe: () => Promise<ModelDescription[]>;
  /**
   * How often to publish again: it refreshes each model's last-seen time, and gives a Redis that restarted empty (or
   * was flushed) the catalog back within this long.
   * @default 5000
   */
  intervalMs?: number;
  /** Told why a periodic publish failed (the next one tries again). */
  onError?: (error: unknown) => void;
}

/** A fleet worker's side of the model catalog: publishes what it serves at start, then periodically. */
export class ModelPublisher {
  readonly #options: ModelPublisherOptions;
  #timer: NodeJS.Timeout | undefined;
  #publishing: Promise<void> | undefined;

  constructor(options: ModelPublisherOptions) {
    this.#options = options;
  }

  /** Publishes now (a failure here is the caller's: a worker whose models cannot be published should not start). */
  async start(): Promise<void> {
    await this.publish();
    this.#timer = setInterval(() => void this.publish().catch((error: unknown) => this.#options.onError?.(error)), this.#options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  /** One publish now (overlapping calls share one). */
  publish(): Promise<void> {
    this.#publishing ??= (async () => this.#options.catalog.publish(await this.#options.describe()))().finally(() => (this.#publishing = undefined));
    return this.#publishing;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
