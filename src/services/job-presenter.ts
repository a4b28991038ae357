import type { GenerationRecord } from "../db/types.ts";
import type { LatentPreview } from "../inference/index.ts";

/** What the user is told about a finished image. */
export interface DeliveredResult {
  png: Buffer;
  seed: bigint;
  runMs: number;
  msPerStep: number;
  warnings: string[];
  /** Post it as a spoiler whatever the channel (the safety checker flagged it and the server wants spoilers). */
  spoiler?: boolean;
}

/**
 * Shows a job's life to its requester. The Discord presenter implements it; the service knows nothing of Discord.
 * Every method may be called for jobs restored after a restart, from their database record alone.
 *
 * Only `deliverResult` waits for Discord: the other methods schedule their work (status edits, reactions) and
 * return at once, so nothing Discord-side holds up the queue; the presenter retries that work in the background.
 */
export interface JobPresenter {
  /** Positions or ETAs changed (throttling is the presenter's business). */
  showQueued(job: GenerationRecord, position: number, etaMs: number): void;
  showProgress(job: GenerationRecord, step: number, totalSteps: number, etaMs: number): void;
  /** A small preview of the image as it forms; shown with the next progress edit (throttling is the presenter's business). */
  showPreview?(job: GenerationRecord, preview: LatentPreview): void;
  /** Posts the result (exactly once, also when called again for the same job after a restart); returns its message id. */
  deliverResult(job: GenerationRecord, result: DeliveredResult): Promise<string>;
  /** The result is recorded as message `messageId`: now it may invite rerolls (the 🔁 must never be early). Returns once scheduled. */
  resultRecorded(job: GenerationRecord, messageId: string): Promise<void>;
  showFailed(job: GenerationRecord, message: string): Promise<void>;
  showCancelled(job: GenerationRecord): Promise<void>;
}
