import { denoisingSteps } from "../pipeline/img2img-strength.ts";
import { LCMScheduler } from "./lcm-scheduler.ts";
import type { Scheduler } from "./scheduler.ts";

/** The part of a schedule img2img runs, and where it starts in the scheduler's full list. */
export interface Img2ImgTimesteps {
  /** The timesteps to denoise through; the initial latent is noised to `timesteps[0]`. */
  timesteps: number[];
  /** Index of `timesteps[0]` in `scheduler.timesteps` (also set as the scheduler's begin index, except for LCM). */
  startIndex: number;
}

/**
 * diffusers' img2img `get_timesteps`: sets `steps` timesteps, keeps the last `denoisingSteps(steps, strength)` of
 * them (min(floor(steps·strength), steps), a rule that lives in the pipeline) and sets the scheduler's begin index
 * there, so step-indexed schedulers (Euler, Euler a, DPM-Solver) start at the right σ and `addNoise` noises to it.
 * So strength 0.75 at 20 steps runs 15 steps from timestep 701 (SD 1.5).
 *
 * An LCM-distilled model with the LCM scheduler follows diffusers' `LatentConsistencyModelImg2ImgPipeline` instead
 * (`lcmDistilled`): `set_timesteps(steps, strength)` picks all `steps` timesteps from the first
 * ⌊original_inference_steps · strength⌋ points of its distillation schedule, and every one of them runs (no begin
 * index). LCM-LoRA (a plain UNet with LCMScheduler) runs StableDiffusionImg2ImgPipeline, so get_timesteps above.
 *
 * The original ldm img2img script differs: it runs t_enc = min(int(strength·steps), steps − 1) DDIM steps and
 * noises the image one schedule level above where denoising starts. We follow diffusers.
 *
 * @param strength how much of the schedule to run, in (0, 1]; 1 ignores the image's content entirely.
 * @param lcmDistilled whether the model is LCM-distilled (see above).
 * @throws {RangeError} when strength is outside (0, 1]; {InvalidOptionError} (from `denoisingSteps`) when it leaves
 * no step to run.
 * @example getImg2ImgTimesteps(new DDIMScheduler(SD15_SCHEDULER_CONFIG), 20, 0.75) // { timesteps: [701, 651, …, 1], startIndex: 5 }
 */
export function getImg2ImgTimesteps(scheduler: Scheduler, steps: number, strength: number, lcmDistilled = false): Img2ImgTimesteps {
  checkStrength(strength);
  if (scheduler instanceof LCMScheduler && lcmDistilled) {
    scheduler.setTimesteps(steps, strength);
    return { timesteps: [...scheduler.timesteps], startIndex: 0 };
  }
  const initSteps = denoisingSteps(steps, strength);
  scheduler.setTimesteps(steps);
  const startIndex = Math.max(steps - initSteps, 0) * scheduler.order;
  scheduler.setBeginIndex(startIndex);
  return { timesteps: scheduler.timesteps.slice(startIndex), startIndex };
}

function checkStrength(strength: number): void {
  if (typeof strength !== "number" || !(strength > 0 && strength <= 1)) {
    throw new RangeError(`Expected \`strength\` to be a number in (0, 1], got \`${strength}\` (${typeof strength})`);
  }
}
