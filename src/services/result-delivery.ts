import type { Db } from "../db/client.ts";
import { findById } from "../db/generations.ts";
import { listStored } from "../db/stored-results.ts";
import type { GenerationRecord } from "../db/types.ts";
import type { JobQueue } from "../jobs/index.ts";
import type { Logger } from "../logger.ts";
import type { GenerationJob } from "./generation-job.ts";

export interface ResultDeliveryOptions {
  db: Db;
  /** Posts one stored result and marks it done (GenerationService.deliverStored). */
  deliver: (record: GenerationRecord) => Promise<boolean>;
  /** The fleet's queue: its `finished` event (from any worker) wakes the delivery of that job. */
  queue: Pick<JobQueue<GenerationJob>, "on" | "off">;
  /**
   * Claims the post of a job for this process only (FleetQueue.claimDelivery): two bot processes never both post.
   * A claim lapses after `ttlMs`, so a process that died holding it leaves the post to another.
   */
  claim: (generationId: number, ttlMs: number) => Promise<boolean>;
  /**
   * Extends this process's claim to `ttlMs` from now while its post is under way (FleetQueue.renewDeliveryClaim): a
   * slow post (Discord's rate limits and retries, a large upload) keeps it, only a dead process's lapses. False when
   * another process holds it.
   */
  renew: (generationId: number, ttlMs: number) => Promise<boolean>;
  /**
   * Whether this process serves the job's server (its shard): it took the command and edits the job's status, so its
   * post comes after its last status edit (see DiscordJobPresenter.deliverResult). Another process posts a result only
   * once it has been stored for a scan interval (the serving process is down): posted at once, it could be overwritten
   * by that process's last status edit, which no one else can wait for.
   * @default every process serves every job
   */
  servesJob?: (record: GenerationRecord) => boolean;
  logger: Logger;
  /**
   * How often the database is scanned for stored results nobody delivered (a bot down when the job finished,
   * a post Discord refused). A claim lasts twice as long, renewed every third of that while its post is under way:
   * a dead process's claim passes on after it, and the scan after next retries a failed post.
   * @default 5000
   */
  scanIntervalMs?: number;
}

/**
 * The bot side of the fleet's outbox (issue 13): GPU workers end a job by storing its result ("stored"); this
 * posts it, woken by the fleet's `finished` event and by a scan of the database at start and every few seconds.
 * One bot process claims each post, the one serving the job's server first (it edits the job's status); the post
 * itself is idempotent too (the presenter's nonce and its look for an already-posted result), and the record is
 * marked done only by the process that posted.
 */
export class ResultDelivery {
  readonly #options: ResultDeliveryOptions;
  readonly #scanIntervalMs: number;
  readonly #inFlight = new Map<number, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  /** The results the last scan found stored: one still stored at the next scan is any process's to post. */
  #storedAtLastScan = new Set<number>();
  #stopped = false;
  readonly #onFinished = (job: GenerationJob): void => void this.#deliver(job.generationId, false);

  constructor(options: ResultDeliveryOptions) {
    this.#options = options;
    this.#scanIntervalMs = options.scanIntervalMs ?? 5000;
  }

  /** Listens to the fleet and delivers what is already stored; resolves after that first scan. */
  async start(): Promise<void> {
    this.#options.queue.on("finished", this.#onFinished);
    await this.scan();
    this.#timer = setInterval(() => void this.scan(), this.#scanIntervalMs);
    this.#timer.unref();
  }

  /** Delivers every stored result this process can claim; one scan at a time. */
  scan(): Promise<void> {
    this.#scanning ??= (async () => {
      try {
        const stored = await listStored(this.#options.db);
        const earlier = this.#storedAtLastScan;
        this.#storedAtLastScan = new Set(stored.map((record) => record.id));
        for (const record of stored) await this.#deliver(record.id, earlier.has(record.id));
      } catch (error) {
        if (!this.#stopped) this.#options.logger.warn({ err: error }, "could not scan for stored results");
      } finally {
        this.#scanning = undefined;
      }
    })();
    return this.#scanning;
  }

  /** Stops listening and scanning; resolves once the posts under way are done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#options.queue.off("finished", this.#onFinished);
    await Promise.all([this.#scanning, ...this.#inFlight.values()]);
  }

  /** `waited`: the result was already stored at the previous scan, so any process posts it. */
  #deliver(id: number, waited: boolean): Promise<void> {
    const running = this.#inFlight.get(id);
    if (running) return running;
    const delivery = this.#claimAndPost(id, waited).finally(() => this.#inFlight.delete(id));
    this.#inFlight.set(id, delivery);
    return delivery;
  }

  async #claimAndPost(id: number, waited: boolean): Promise<void> {
    const { db, claim, deliver, servesJob, logger } = this.#options;
    if (this.#stopped) return;
    let release: (() => void) | undefined;
    try {
      const record = await findById(db, id);
      if (record?.status !== "stored") return;
      if (!waited && servesJob && !servesJob(record)) return; // the serving process's to post, for now
      const ttlMs = this.#scanIntervalMs * 2;
      if (!(await claim(id, ttlMs))) return;
      release = this.#keepClaim(id, ttlMs);
      // Read again after the claim: another process may have posted it between the read and the claim.
      const claimed = await findById(db, id);
      if (claimed?.status !== "stored") return;
      if (!(await deliver(claimed))) logger.warn({ generationId: id }, "a stored result is missing from the results folder");
    } catch (error) {
      // The claim lapses and a later scan tries again (Discord down, the database away).
      logger.warn({ err: error, generationId: id }, "could not post a stored result; trying again later");
    } finally {
      release?.();
    }
  }

  /** Renews the claim on `id` every third of `ttlMs` until the returned function is called (the post is over). */
  #keepClaim(id: number, ttlMs: number): () => void {
    const { renew, logger } = this.#options;
    let renewing: Promise<void> | undefined;
    const timer = setInterval(() => {
      renewing ??= renew(id, ttlMs)
        .then((held) => {
          // Only a process stalled for longer than a claim lasts gets here: the result may be posted twice.
          if (!held) logger.warn({ generationId: id }, "another bot process took over the post of a result this one is posting");
        })
        .catch((error: unknown) => logger.warn({ err: error, generationId: id }, "could not renew the claim on a result's post"))
        .finally(() => (renewing = undefined));
    }, ttlMs / 3);
    timer.unref();
    return () => clearInterval(timer);
  }
}
