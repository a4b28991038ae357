import type { Scheduler } from "./scheduler.ts";

/** The part of a schedule img2img runs, and where it starts in the scheduler's full list. */
export interface Img2ImgTimesteps {
  /** The timesteps to denoise through; the initial latent is noised to `timesteps[0]`. */
  timesteps: number[];
  /** Index of `timesteps[0]` in `scheduler.timesteps` (also set as the scheduler's begin index). */
  startIndex: number;
}

/**
 * diffusers' img2img `get_timesteps`: sets `steps` timesteps, keeps the last `min(floor(steps·strength), steps)`
 * of them and sets the scheduler's begin index there, so step-indexed schedulers (Euler a, DPM-Solver) start at
 * the right σ and `addNoise` noises to it. So strength 0.75 at 20 steps runs 15 steps from timestep 701 (SD 1.5).
 *
 * The original ldm img2img script differs: it runs t_enc = min(int(strength·steps), steps − 1) DDIM steps and
 * noises the image one schedule level above where denoising starts. We follow diffusers.
 *
 * @param strength how much of the schedule to run, in (0, 1]; 1 ignores the image's content entirely.
 * @throws {RangeError} when strength is outside (0, 1] or leaves no step to run.
 * @example getImg2ImgTimesteps(new DDIMScheduler(), 20, 0.75) // { timesteps: [701, 651, …, 1], startIndex: 5 }
 */
export function getImg2ImgTimesteps(scheduler: Scheduler, steps: number, strength: number): Img2ImgTimesteps {
  if (typeof strength !== "number" || !(strength > 0 && strength <= 1)) {
    throw new RangeError(`Expected \`strength\` to be a number in (0, 1], got \`${strength}\` (${typeof strength})`);
  }
  scheduler.setTimesteps(steps);
  // Truncation as Python's int() does it, on the same double product (20 × 0.7 = 14.000000000000002 → 14).
  const initSteps = Math.min(Math.floor(steps * strength), steps);
  if (initSteps < 1) {
    throw new RangeError(`strength ${strength} × ${steps} steps leaves no denoising step; use a strength of at least 1/${steps}`);
  }
  const startIndex = Math.max(steps - initSteps, 0) * scheduler.order;
  scheduler.setBeginIndex(startIndex);
  return { timesteps: scheduler.timesteps.slice(startIndex), startIndex };
}
