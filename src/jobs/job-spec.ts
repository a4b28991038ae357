/** What the queue needs to know about a job; the bot's job type extends it with its own fields. */
export interface JobSpec {
  /** Unique among the jobs waiting or running. */
  id: string;
  /** Whose job this is: fairness and the waiting cap are per user. */
  userId: string;
  /** UNet runs the job takes (its denoising steps, one more with PLMS): for progress and ETAs. */
  steps: number;
  /**
   * Relative cost in units of one reference step, e.g. `pixels / (512*512) × steps × (cfg ? 2 : 1)`.
   * ETAs scale with it, so a 768² job counts for more than a 512² one.
   * @default steps
   */
  cost?: number;
  /**
   * The model the job runs on: the queue groups jobs of the loaded model within fairness (see model-batching.ts)
   * and counts a switch's load time in ETAs. @default none: runs on whatever is loaded
   */
  group?: string;
}

/** What a runner gets besides the job. */
export interface JobContext {
  /** Aborted when the job is cancelled; the runner should stop between steps and reject. */
  signal: AbortSignal;
  /** Call after each step; `totalSteps` may differ from `job.steps` (img2img runs `strength × steps`). */
  reportProgress(step: number, totalSteps: number): void;
}

/** Runs one job to the end. The queue never runs two at once. */
export type JobRunner<J extends JobSpec> = (job: J, ctx: JobContext) => Promise<void>;

/** The cost of a job in reference steps. */
export function costUnits(job: JobSpec): number {
  return job.cost ?? job.steps;
}
