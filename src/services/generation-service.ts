import { randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { findById, listUnfinished, markCancelled, markFailed, markRunning, reserveGeneration, StatusMessageNotRecordedError } from "../db/generations.ts";
import type { GenerationRecord, GenerationRequest, QuotaRules, ReservationResult } from "../db/types.ts";
import { FairJobQueue, type JobQueue, type JobRunner } from "../jobs/index.ts";
import type { Logger } from "../logger.ts";
import type { InputStore } from "./input-store.ts";
import type { JobPresenter } from "./job-presenter.ts";
import type { ResultStore } from "./result-store.ts";
import { ActiveJobs } from "./active-jobs.ts";
import { inGroup, toJob, type GenerationJob } from "./generation-job.ts";
import { pickGridImage, type GridPickResult } from "./grid-pick.ts";
import { JobOutcomes } from "./job-outcomes.ts";
import { JobSettings, type JobSettingsSources } from "./job-settings.ts";
import { ModelRunner, type InferenceBackend, type RunContext } from "./model-run.ts";
import { storeStatusMessageLater } from "./status-message-later.ts";
import type { StatusMessageRef } from "./status-message-match.ts";

export type { GenerationJob } from "./generation-job.ts";
export type { InferenceBackend } from "./model-run.ts";
export { FLAGGED_IMAGE_BLOCKED, JobInputMissingError, ModelGoneError, userMessageFor } from "./job-errors.ts";

export type SubmitResult = (ReservationResult & { ok: false }) | { ok: true; generation: GenerationRecord; position: number; etaMs: number };

export type CancelResult = "cancelled" | "cancelling" | "not-found" | "not-yours" | "finished";

/** Who asks to cancel a job, and from which server. */
export interface Canceller {
  userId: string;
  /** The server the request is made in: manager rights count there only. */
  guildId: string;
  /**
   * Whether the member may manage the bot in `guildId`. Asked only when it matters (someone else's job of that
   * server), so a reaction fetches the member only then; it may throw (a member that cannot be fetched).
   */
  managesGuild: () => Promise<boolean>;
}

/** A fresh random 64-bit seed. */
export function randomSeed(): bigint {
  return randomBytes(8).readBigUInt64LE();
}

/**
 * The jobs layer between Discord and the model: reserves quota and records each job (one transaction), queues it
 * fairly, runs it on the single inference module, stores the result before posting it, and keeps the database
 * in step with every transition, so a restart resumes exactly where the bot stopped.
 */
export class GenerationService {
  readonly queue: JobQueue<GenerationJob>;
  /** The last measured load time of each model (by label): a switch to it costs about that much. */
  readonly modelLoadMs = new Map<string, number>();
  private readonly active: ActiveJobs;
  private presenter: JobPresenter | undefined;
  private stopped = false;
  /** The job the queue is running, settled (never rejects): stop() waits for it. */
  private running: Promise<void> | undefined;
  private readonly settings: JobSettings;
  private readonly outcomes: JobOutcomes;
  private readonly model: ModelRunner;

  constructor(
    private readonly deps: {
      db: Db;
      inference: InferenceBackend;
      inputs: InputStore;
      results: ResultStore;
      logger: Logger;
      modelName: string;
      /**
       * Builds the queue that runs this service's jobs with `run` (the fleet's queue on Redis, src/fleet).
       * @default an in-process {@link FairJobQueue}
       */
      createQueue?: (run: JobRunner<GenerationJob>) => JobQueue<GenerationJob>;
      /**
       * A fleet worker's service: a job ends when its result is stored (record "stored"); it posts nothing, the bot
       * processes deliver it (src/services/result-delivery.ts). Failures and cancels are still shown from here.
       * @default false: this service posts its results itself
       */
      storeOnly?: boolean;
    } & JobSettingsSources,
  ) {
    this.active = new ActiveJobs(deps.db);
    this.settings = new JobSettings(deps);
    this.outcomes = new JobOutcomes({
      ...deps,
      settings: this.settings,
      presenter: () => this.presenter,
      stopped: () => this.stopped,
      forget: (id) => this.active.forget(id),
    });
    this.model = new ModelRunner({
      ...deps,
      settings: this.settings,
      outcomes: this.outcomes,
      presenter: () => this.presenter,
      modelLoadMs: this.modelLoadMs,
      forget: (id) => this.active.forget(id),
    });
    const run: JobRunner<GenerationJob> = (job, ctx) => this.runJob(job, ctx);
    this.queue =
      deps.createQueue?.(run) ??
      // Every cap (the server's and the bot's across servers) is checked by the reservation, before charging: a
      // job that was reserved is never refused by the queue.
      // Jobs are grouped by model (fewer switches), and ETAs count each switch's last measured load time.
      new FairJobQueue<GenerationJob>({
        run,
        maxWaitingPerUser: Infinity,
        initialGroup: deps.modelName,
        switchMs: (model) => this.modelLoadMs.get(model),
        // Through the logger, which scrubs tokens (console.error would print a discord.js error's url whole).
        onListenerError: (error, event) => deps.logger.error({ err: error, event }, "a queue listener threw"),
      });
    this.queue.on("positions", (positions) => {
      for (const [jobId, { position, etaMs }] of positions) {
        const record = this.active.get(Number(jobId));
        if (!record) continue;
        if (position > 0) this.presenter?.showQueued(record, position, etaMs);
      }
    });
    if (deps.createQueue) {
      // A fleet's jobs may end in another process (a GPU worker): forget them here too. The in-process queue's
      // runner drops its own records (and keeps one whose post is being retried).
      // A worker stores results and shows nothing (storeOnly): a process that knows the job shows how it failed or
      // was cancelled; stored results are posted by src/services/result-delivery.ts.
      const forget = (job: GenerationJob): void => {
        const known = this.active.get(job.generationId);
        this.active.forget(job.generationId);
        if (known && this.presenter) void this.outcomes.showFleetOutcome(known);
      };
      this.queue.on("finished", forget).on("failed", forget).on("cancelled", forget);
    }
    this.queue.on("progress", (job, step, total) => {
      const record = this.active.get(job.generationId);
      if (record) this.presenter?.showProgress(record, step, total, this.queue.etaMs(job.id) ?? 0);
    });
  }

  get modelName(): string {
    return this.deps.modelName;
  }

  setPresenter(presenter: JobPresenter): void {
    this.presenter = presenter;
  }

  /**
   * Reserves quota and records the job in one transaction, then queues it. Refusals (quota, queue cap, cooldown,
   * blocked) come back with when to retry; nothing is queued or charged for them.
   */
  async submit(
    /** `model`: the chosen model's label (see modelLabel). @default the service's own model */
    request: Omit<GenerationRequest, "model"> & { model?: string },
    rules: QuotaRules,
    /** Runs after the reservation and before the job can start: makes the status message and stores its id. */
    beforeEnqueue?: (generation: GenerationRecord) => Promise<GenerationRecord>,
  ): Promise<SubmitResult> {
    const reservation = await reserveGeneration(this.deps.db, { ...request, model: request.model ?? this.deps.modelName }, rules);
    if (!reservation.ok) return reservation;
    let generation = reservation.generation;
    const window = this.active.openWindow(generation);
    try {
      if (beforeEnqueue) generation = await beforeEnqueue(generation);
    } catch (error) {
      if (!(error instanceof StatusMessageNotRecordedError)) {
        // The status message could not be made (Discord down): give the quota back rather than run unseen.
        await markFailed(this.deps.db, generation.id, "Could not post the status message.", true);
        throw error;
      }
      // The message is up ("Queued as …"), its id not stored (database busy): go on with the id, where ❌ and the
      // status edits look for it, and store it in the background.
      generation = { ...generation, statusMessageId: error.statusMessageId };
      void storeStatusMessageLater({ ...this.deps, stopped: () => this.stopped }, generation.id, error.statusMessageId);
    } finally {
      this.active.closeWindow(generation.id);
    }
    if (window.cancelled) {
      const cancelled = await markCancelled(this.deps.db, generation.id, true);
      if (cancelled) await this.outcomes.showCancelled(cancelled, generation);
      return { ok: true, generation: cancelled ?? generation, position: 0, etaMs: 0 };
    }
    this.active.set(generation);
    const { position } = await this.queue.enqueue(inGroup(toJob(generation), generation), { maxWaiting: Infinity });
    return { ok: true, generation, position, etaMs: this.queue.etaMs(String(generation.id)) ?? 0 };
  }

  /**
   * Cancels a queued or running job for its requester, or for a member who manages the bot in the job's own
   * server (a manager of another server cannot touch it, whatever id they name).
   */
  async cancel(id: number, by: Canceller): Promise<CancelResult> {
    const record = this.active.known(id) ?? (await findById(this.deps.db, id)) ?? undefined;
    if (!record) return "not-found";
    if (record.userId !== by.userId && !(record.guildId === by.guildId && (await by.managesGuild()))) return "not-yours";
    const window = this.active.window(id);
    if (window) {
      // Not in the queue yet: submit() sees the flag and cancels it instead of queueing it.
      window.cancelled = true;
      return "cancelled";
    }
    const outcome = await this.queue.cancel(String(id));
    if (outcome === "cancelled-queued") {
      this.active.forget(id);
      const cancelled = await markCancelled(this.deps.db, id, true);
      if (cancelled) await this.outcomes.showCancelled(cancelled, record);
      return "cancelled";
    }
    if (outcome === "cancelling-running") return "cancelling";
    return record.status === "queued" || record.status === "running" ? "not-found" : "finished";
  }

  /** The unfinished job whose status message this is, for the ❌ reaction (see ActiveJobs.byStatusMessage). */
  findActiveByStatusMessage(message: StatusMessageRef): Promise<GenerationRecord | undefined> {
    return this.active.byStatusMessage(message);
  }

  /** Whether some unfinished job of this server has no stored status message id (see ActiveJobs.hasUnlinked). */
  hasUnlinkedJobs(guildId: string): Promise<boolean> {
    return this.active.hasUnlinked(guildId);
  }

  /** The caller's newest unfinished job in this server, for `/cancel` without arguments. */
  latestJobOf(userId: string, guildId: string): GenerationRecord | undefined {
    return this.active.latestOf(userId, guildId);
  }

  /**
   * After a restart: every queued or running job goes back in the queue in its original order (a running one
   * starts over; one whose result was already stored is only delivered). Returns how many were resumed.
   */
  async resume(): Promise<number> {
    // The lookups for ❌ and /cancel wait until every job is back.
    const unfinished = await this.active.restore(listUnfinished(this.deps.db));
    await this.queue.pause();
    // Already accepted before the restart: no cap may refuse it now. One at a time, so a queue on Redis keeps the order.
    for (const record of unfinished) await this.queue.enqueue(inGroup(toJob(record), record), { maxWaiting: Infinity });
    await this.queue.start();
    return unfinished.length;
  }

  /**
   * Stops taking jobs and ends background retries; unfinished work stays in the database for the next start.
   * Resolves once the running job has returned: close the inference backend meanwhile, so that it stops the run
   * (it then leaves the job to resume, see runJob), and close the database only after.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue.pause();
    await this.running;
  }

  async onIdle(): Promise<void> {
    await this.queue.onIdle();
  }

  private runJob(job: GenerationJob, ctx: RunContext): Promise<void> {
    const run = this.runAndDeliver(job, ctx);
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async runAndDeliver(job: GenerationJob, ctx: RunContext): Promise<void> {
    const { db, results } = this.deps;
    const id = job.generationId;
    // A worker of the fleet runs jobs that other processes queued: their record comes from the database.
    let record = this.active.get(id) ?? (await this.adoptUnfinished(id));
    if (!record) return;
    const stored = await results.get(id);
    if (stored) {
      await this.outcomes.finishStored(record, stored);
      return;
    }
    const running = await markRunning(db, id);
    // A status message's id not stored yet (see submit) stays known here.
    if (running) record = { ...running, statusMessageId: running.statusMessageId ?? record.statusMessageId };
    this.active.set(record);
    const started = performance.now();
    const output = await this.model.run(record, ctx);
    if (output) await this.outcomes.finish(record, output, started);
  }

  /** Posts image `index` of a finished grid alone, as a generation of its own (see pickGridImage). */
  pick(grid: GenerationRecord, index: number): Promise<GridPickResult> {
    return pickGridImage({ ...this.deps, outcomes: this.outcomes }, grid, index);
  }

  /**
   * Posts a result a fleet worker stored (record "stored", see storeOnly) and marks it done. Throws when Discord
   * refuses (the caller tries again later); false when the image is not in the results folder.
   */
  deliverStored(record: GenerationRecord): Promise<boolean> {
    return this.outcomes.deliverStored(record);
  }

  /** The job's record if it is still unfinished (taken from the fleet's queue, not submitted here), else undefined. */
  private async adoptUnfinished(id: number): Promise<GenerationRecord | undefined> {
    const record = await findById(this.deps.db, id);
    if (!record || !(record.status === "queued" || record.status === "running")) return undefined;
    this.active.set(record);
    return record;
  }
}
