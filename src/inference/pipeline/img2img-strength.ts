import type { SchedulerName } from "../schedulers/scheduler.ts";
import { InvalidOptionError } from "./errors.ts";

/** How far img2img noises its input when no strength is given (diffusers' default). */
export const DEFAULT_STRENGTH = 0.75;

/**
 * The number of denoising steps img2img runs: `min(floor(steps · strength), steps)`, as diffusers' `get_timesteps`
 * computes it (Python's `int()` of the same double: 20 × 0.7 = 14.000000000000002 → 14). An LCM-distilled model
 * with the LCM scheduler is the exception: its img2img pipeline (LatentConsistencyModelImg2ImgPipeline) picks all
 * `steps` timesteps from the strength-shortened distillation schedule and runs them all. The one place the rule
 * "at least one step" lives: the pipeline, the timesteps, the bot's option checks and its queue cost all ask here.
 * @param scheduler the scheduler that will run; only `lcm` can change the count.
 * @param lcmDistilled whether the model is LCM-distilled (its defaults' `lcmDistilled`); when not known, `lcm` counts
 * every step (the most it can be, for a queue's estimate).
 * @throws {InvalidOptionError} when the product leaves no step to run; the message is safe to show to users.
 * @example denoisingSteps(30, 0.75) // 22
 */
export function denoisingSteps(steps: number, strength: number, scheduler?: SchedulerName | string, lcmDistilled?: boolean): number {
  if (scheduler === "lcm" && lcmDistilled !== false) return steps;
  const count = Math.min(Math.floor(steps * strength), steps);
  if (!(count >= 1)) {
    throw new InvalidOptionError(
      "strength",
      `strength ${strength} × ${steps} steps leaves no denoising step; raise the strength to at least 1/${steps} or the steps`,
    );
  }
  return count;
}
