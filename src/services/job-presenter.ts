import type { GenerationRecord } from "../db/types.ts";

/** What the user is told about a finished image. */
export interface DeliveredResult {
  png: Buffer;
  seed: bigint;
  runMs: number;
  msPerStep: number;
  warnings: string[];
}

/**
 * Shows a job's life to its requester. The Discord presenter implements it; the service knows nothing of Discord.
 * Every method may be called for jobs restored after a restart, from their database record alone.
 */
export interface JobPresenter {
  /** Positions or ETAs changed (throttling is the presenter's business). */
  showQueued(job: GenerationRecord, position: number, etaMs: number): void;
  showProgress(job: GenerationRecord, step: number, totalSteps: number, etaMs: number): void;
  /** Posts the result; returns the id of the message that carries it. */
  deliverResult(job: GenerationRecord, result: DeliveredResult): Promise<string>;
  /** The result is recorded as message `messageId`: now it may invite rerolls (the 🔁 must never be early). */
  resultRecorded(job: GenerationRecord, messageId: string): Promise<void>;
  showFailed(job: GenerationRecord, message: string): Promise<void>;
  showCancelled(job: GenerationRecord): Promise<void>;
}
