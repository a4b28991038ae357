import type { GenerationRecord } from "../db/types.ts";
import type { Logger } from "../logger.ts";
import { ModelGoneError } from "./job-errors.ts";
import type { FlaggedImageAction } from "./policy/index.ts";

/** Where a job's run and post read the server's settings and the installed models (GenerationService's options). */
export interface JobSettingsSources {
  /**
   * What an image the model's safety checker flagged gets, for this job (the server's policy in its channel).
   * @default "block"
   */
  flaggedImageAction?: (job: GenerationRecord) => Promise<FlaggedImageAction>;
  /** Whether the job's status message shows a live preview (the server's `livePreview`). @default false */
  livePreview?: (job: GenerationRecord) => Promise<boolean>;
  /**
   * The folder of a job's recorded model (see modelLabel), or undefined when it is no longer installed; jobs on
   * `modelName` run on the backend's own model. @default every job runs on the backend's own model
   */
  modelFolder?: (label: string) => Promise<string | undefined>;
}

/**
 * The per-job readings of those sources, each with its safe answer when the setting cannot be read (a database or
 * Discord fault must not fail a job that already ran, nor show an image by mistake).
 */
export class JobSettings {
  constructor(private readonly deps: JobSettingsSources & { logger: Logger; modelName: string }) {}

  /** The folder of the job's model when it is not the backend's own; throws when it was removed since it was queued. */
  async modelDirOf(record: GenerationRecord): Promise<{ modelDir?: string }> {
    if (!this.deps.modelFolder || record.model === this.deps.modelName) return {};
    const modelDir = await this.deps.modelFolder(record.model);
    if (modelDir === undefined) throw new ModelGoneError(record.model);
    return { modelDir };
  }

  /** Whether this job's status shows a preview as it forms (the server's setting); off when it cannot be read. */
  async livePreview(record: GenerationRecord): Promise<boolean> {
    try {
      return (await this.deps.livePreview?.(record)) ?? false;
    } catch (error) {
      this.deps.logger.warn({ err: error, generationId: record.id }, "could not read the live-preview setting; no preview");
      return false;
    }
  }

  /** The server's policy for a flagged image of this job; blocked when it cannot be read (never shown by mistake). */
  async flaggedAction(record: GenerationRecord): Promise<FlaggedImageAction> {
    try {
      return (await this.deps.flaggedImageAction?.(record)) ?? "block";
    } catch (error) {
      this.deps.logger.warn({ err: error, generationId: record.id }, "could not read the flagged-image policy; blocking");
      return "block";
    }
  }
}
