import type { Db } from "../db/client.ts";
import { findById, markDone, markFailed } from "../db/generations.ts";
import { keepWarnings, markDelivered, markStored, markStoredRefused, storedWarnings } from "../db/stored-results.ts";
import type { GenerationRecord } from "../db/types.ts";
import { composeGrid, type WorkerGenerationResult } from "../inference/index.ts";
import type { Logger } from "../logger.ts";
import { FLAGGED_IMAGE_BLOCKED } from "./job-errors.ts";
import type { JobSettings } from "./job-settings.ts";
import type { DeliveredResult, JobPresenter } from "./job-presenter.ts";
import type { ResultStore } from "./result-store.ts";

export interface JobOutcomesOptions {
  db: Db;
  results: ResultStore;
  logger: Logger;
  /** The server's policy for a flagged image (a stored result's is applied when it is posted). */
  settings: Pick<JobSettings, "flaggedAction">;
  /** The service's presenter, once it has one (GenerationService.setPresenter). */
  presenter: () => JobPresenter | undefined;
  /** Whether the service has stopped: background retries end then (the result stays on disk for the next start). */
  stopped: () => boolean;
  /** The job is over: the service forgets its record. */
  forget: (id: number) => void;
  /** A fleet worker's service: results are stored for the bot processes, never posted (GenerationService's storeOnly). */
  storeOnly?: boolean;
}

/**
 * What becomes of a job once its model has run, and how its end reaches the member: the result checked against the
 * server's flagged-image policy, stored, then posted and recorded (retried in the background while Discord refuses)
 * or, on a fleet worker, left in the outbox for the bot processes to post; a failure or cancel shown on its status
 * message.
 */
export class JobOutcomes {
  constructor(private readonly options: JobOutcomesOptions) {}

  /**
   * What a finished run becomes: refused when its image is flagged and the server blocks it; else stored (a grid's
   * images each kept for its pick) before it is posted, or on a fleet worker recorded "stored" for the bot processes.
   * `started`: when the run began (performance.now()).
   */
  async finish(record: GenerationRecord, output: WorkerGenerationResult, started: number): Promise<void> {
    const { db, results, settings } = this.options;
    const id = record.id;
    // A grid is flagged when any of its images is.
    const flagged = output.nsfwFlagged === true || output.images.some((image) => image.nsfwFlagged === true);
    const action = flagged ? await settings.flaggedAction(record) : "post";
    if (action === "block") {
      // Never stored, never posted; the compute is spent, but the member did nothing wrong: refund.
      this.options.forget(id);
      const failed = await markFailed(db, id, FLAGGED_IMAGE_BLOCKED, true);
      if (failed) await this.showFailed(failed, record, FLAGGED_IMAGE_BLOCKED);
      return;
    }
    // Kept before the image: a post after a restart, or by a bot process (storeOnly), shows them as this one would.
    // Best effort: a database too busy for the notes must not lose the result (the job would stay "running", unseen).
    await keepWarnings(db, id, output.warnings).catch((error: unknown) =>
      this.options.logger.warn({ err: error, generationId: id }, "could not keep a result's notes; a later post shows none"),
    );
    // A grid: each image kept alone for its pick (1️⃣–4️⃣), the grid posted as the result.
    const posted = output.images.length > 1 ? await storeGrid(results, id, output) : output.png;
    await results.put(id, posted, { flagged });
    if (this.options.storeOnly) {
      this.options.forget(id);
      await markStored(db, id, { runMs: performance.now() - started, stepMs: output.timings.msPerStep || null });
      return;
    }
    const delivered = {
      png: posted,
      seed: output.seed,
      runMs: performance.now() - started,
      msPerStep: output.timings.msPerStep,
      warnings: output.warnings,
      spoiler: action === "spoiler",
    };
    await this.deliverOrRetry(record, delivered);
  }

  /** A job whose result was stored before a restart (or a worker's death), its post never made: not run again. */
  async finishStored(record: GenerationRecord, png: Buffer): Promise<void> {
    const { db, results, settings } = this.options;
    if (this.options.storeOnly) {
      // A worker died between storing the result and recording it: record it now, the bot processes post it.
      this.options.forget(record.id);
      await markStored(db, record.id, { runMs: record.runMs ?? 0, stepMs: record.stepMs });
      return;
    }
    // The model finished before a restart but the post never happened: deliver, don't recompute. Discord may
    // still be failing, so this delivery gets the same background retries as a fresh one (it used to throw
    // and leave the job "running" until the next restart).
    const spoiler = (await results.isFlagged(record.id)) && (await settings.flaggedAction(record)) !== "post";
    const warnings = await storedWarnings(db, record.id);
    await this.deliverOrRetry(record, { png, seed: record.seed, runMs: record.runMs ?? 0, msPerStep: record.stepMs ?? 0, warnings, spoiler });
  }

  /** Posts a stored result; when Discord refuses, retries in the background while the queue moves on. */
  async deliverOrRetry(record: GenerationRecord, result: DeliveredResult): Promise<void> {
    try {
      await this.deliver(record, result);
    } catch (error) {
      // The image is safe on disk and the job stays "running" in the database: retry later, and a restart
      // delivers it too.
      this.options.logger.error({ err: error, generationId: record.id }, "could not post a result; retrying in the background");
      void this.retryDelivery(record, result);
    }
  }

  /**
   * Posts a result a fleet worker stored (record "stored", see GenerationService's storeOnly) and marks it done.
   * Throws when Discord refuses (the caller tries again later); false when the image is not in the results folder.
   */
  async deliverStored(record: GenerationRecord): Promise<boolean> {
    const { db, results, logger, settings } = this.options;
    const png = await results.get(record.id);
    if (!png) return false;
    // A worker cannot read the channel (no Discord token): the server's policy for a flagged image is applied here.
    const action = (await results.isFlagged(record.id)) ? await settings.flaggedAction(record) : "post";
    if (action === "block") {
      const failed = await markStoredRefused(db, record.id, FLAGGED_IMAGE_BLOCKED);
      if (failed) await this.showFailed(failed, record, FLAGGED_IMAGE_BLOCKED);
      await results.delete(record.id).catch((error: unknown) => logger.warn({ err: error }, "could not delete a refused result"));
      return true;
    }
    const spoiler = action === "spoiler";
    // The notes the worker stored with it, shown as a single process shows a fresh result's.
    const warnings = await storedWarnings(db, record.id);
    await this.deliver(record, { png, seed: record.seed, runMs: record.runMs ?? 0, msPerStep: record.stepMs ?? 0, warnings, spoiler });
    return true;
  }

  /** `finished` failed with `message`; `known` is the record the service held (see forPresenter). */
  showFailed(finished: GenerationRecord, known: GenerationRecord, message: string): Promise<void> {
    return this.present(() => this.options.presenter()?.showFailed(forPresenter(finished, known), message));
  }

  /** `finished` was cancelled; `known` is the record the service held (see forPresenter). */
  showCancelled(finished: GenerationRecord, known: GenerationRecord): Promise<void> {
    return this.present(() => this.options.presenter()?.showCancelled(forPresenter(finished, known)));
  }

  /** A fleet job that ended elsewhere: its failure or cancel, as the database recorded it, on its status message. */
  async showFleetOutcome(known: GenerationRecord): Promise<void> {
    const ended = await findById(this.options.db, known.id).catch(() => null);
    if (ended?.status === "failed") await this.showFailed(ended, known, ended.error ?? "The generation failed.");
    else if (ended?.status === "cancelled") await this.showCancelled(ended, known);
  }

  private async retryDelivery(record: GenerationRecord, result: DeliveredResult, delaysMs = [5_000, 30_000, 120_000]): Promise<void> {
    for (const delay of delaysMs) {
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      // A stopped service leaves the result on disk: the next start delivers it.
      if (this.options.stopped()) return;
      try {
        await this.deliver(record, result);
        return;
      } catch (error) {
        this.options.logger.warn({ err: error, generationId: record.id }, "posting the result failed again");
      }
    }
  }

  private async deliver(record: GenerationRecord, result: DeliveredResult): Promise<void> {
    const { db, results, logger } = this.options;
    const presenter = this.options.presenter();
    if (!presenter) throw new Error("GenerationService has no presenter to deliver results with");
    const messageId = await presenter.deliverResult(record, result);
    if (record.status === "stored") await markDelivered(db, record.id, messageId);
    else await markDone(db, record.id, messageId, { runMs: result.runMs, stepMs: result.msPerStep || null });
    this.options.forget(record.id);
    await this.present(() => this.options.presenter()?.resultRecorded(record, messageId));
    await results.delete(record.id).catch((error: unknown) => logger.warn({ err: error }, "could not delete a delivered result"));
  }

  /** Presenting is best effort: Discord being unreachable must not fail or stall the queue. */
  private async present(action: () => Promise<void> | undefined): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.options.logger.warn({ err: error }, "could not update a job's message");
    }
  }
}

/**
 * Keeps each image of a grid alone for its pick and returns the grid image that is posted. Written before the post,
 * so a restart in between delivers the same grid and picks.
 */
async function storeGrid(results: ResultStore, id: number, output: WorkerGenerationResult): Promise<Buffer> {
  for (const [index, image] of output.images.entries()) await results.putGridImage(id, index, image.png);
  return composeGrid(
    output.images.map((image) => image.png),
    output.width,
    output.height,
  );
}

/**
 * A finished job's record for its last message: the database clears the interaction token when a job ends, but
 * the presenter still needs it (and the status message id) to edit the reply one last time.
 */
function forPresenter(finished: GenerationRecord, known: GenerationRecord): GenerationRecord {
  return { ...finished, interactionToken: known.interactionToken, statusMessageId: finished.statusMessageId ?? known.statusMessageId };
}
