import type { Db } from "../db/client.ts";
import { markCancelled, markFailed } from "../db/generations.ts";
import type { GenerationRecord } from "../db/types.ts";
import {
  GenerationCancelledError,
  InferenceShuttingDownError,
  type GenerationRequest as InferenceRequest,
  type LatentPreview,
  type WorkerGenerationResult,
} from "../inference/index.ts";
import type { Logger } from "../logger.ts";
import type { InputStore } from "./input-store.ts";
import { inferenceRequestFor } from "./inference-request.ts";
import { JobInputMissingError, userMessageFor } from "./job-errors.ts";
import type { JobOutcomes } from "./job-outcomes.ts";
import type { JobPresenter } from "./job-presenter.ts";
import type { JobSettings } from "./job-settings.ts";

/** The one inference module the queue feeds (the worker-thread client in production, a fake in some tests). */
export interface InferenceBackend {
  generate(
    request: InferenceRequest,
    hooks: {
      /** `preview` only when the request asked for one (its options' `preview`). */
      onProgress?: (e: { step: number; totalSteps: number; preview?: LatentPreview }) => void;
      signal?: AbortSignal;
      /** The job's model had to be loaded first, taking `ms`. */
      onModelLoaded?: (e: { modelDir: string; ms: number }) => void;
    },
  ): Promise<WorkerGenerationResult>;
}

export interface ModelRunOptions {
  db: Db;
  inference: InferenceBackend;
  inputs: InputStore;
  logger: Logger;
  settings: Pick<JobSettings, "modelDirOf" | "livePreview">;
  outcomes: Pick<JobOutcomes, "showCancelled" | "showFailed">;
  /** The service's presenter, once it has one: it shows the live preview. */
  presenter: () => JobPresenter | undefined;
  /** Each model's last measured load time (GenerationService.modelLoadMs), updated when a run had to load one. */
  modelLoadMs: Map<string, number>;
  /** The run ended without an image: the service forgets the job's record. */
  forget: (id: number) => void;
}

/** What the queue hands a running job: its cancel signal and where its steps are reported. */
export interface RunContext {
  signal: AbortSignal;
  reportProgress(step: number, total: number): void;
}

/**
 * A job's run on the model: the request built from its record, its steps (and live preview) reported, and each way
 * it can end without an image recorded and shown: the bot stopping, a cancel, a fault.
 */
export class ModelRunner {
  constructor(private readonly options: ModelRunOptions) {}

  /**
   * The model's output for the job (marked running), or undefined when the run ended without one (stopping:
   * left to resume; cancelled: recorded and shown). A fault is recorded, shown and thrown, so that the queue
   * counts it as failed and goes on with the next job.
   */
  async run(record: GenerationRecord, ctx: RunContext): Promise<WorkerGenerationResult | undefined> {
    const { db, settings, logger } = this.options;
    const id = record.id;
    try {
      const request = await inferenceRequestFor(record, { inputs: this.options.inputs, model: await settings.modelDirOf(record) });
      // The live preview costs a little per step: asked for only when the server shows it.
      if ((await settings.livePreview(record)) && request.mode !== "upscale") request.options.preview = true;
      return await this.options.inference.generate(request, {
        signal: ctx.signal,
        onProgress: (e) => {
          // The preview first, so the progress edit this step triggers carries it.
          if (e.preview) this.options.presenter()?.showPreview?.(record, e.preview);
          ctx.reportProgress(e.step, e.totalSteps);
        },
        onModelLoaded: (e) => this.options.modelLoadMs.set(record.model, e.ms),
      });
    } catch (error) {
      this.options.forget(id);
      if (error instanceof InferenceShuttingDownError) {
        // The bot is stopping, nobody cancelled: the job stays unfinished (and charged once) in the database, and
        // resume() runs it again at the next start. Nothing is shown: the member's status message still applies.
        return undefined;
      }
      if (error instanceof GenerationCancelledError || ctx.signal.aborted) {
        // It started, so its compute is spent: no refund.
        const cancelled = await markCancelled(db, id, false);
        if (cancelled) await this.options.outcomes.showCancelled(cancelled, record);
        return undefined;
      }
      const message = userMessageFor(error);
      if (!(error instanceof JobInputMissingError)) logger.error({ err: error, generationId: id }, "generation failed");
      const failed = await markFailed(db, id, message, true);
      if (failed) await this.options.outcomes.showFailed(failed, record, message);
      throw error;
    }
  }
}
