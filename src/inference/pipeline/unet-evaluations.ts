/**
 * How many UNet runs (per image and guidance batch) `denoiseSteps` denoising steps out of a schedule of
 * `scheduleSteps` take: one per step, except for PLMS (diffusers' PNDM with `skip_prk_steps`, SD 1.x's default),
 * whose schedule has its second timestep twice, so one more (txt2img and img2img alike) — unless the schedule has a
 * single step, which has no second. For estimates (the queue's costs and ETAs); PNDM's PRK warm-up, which SD folders
 * do not use, is not counted.
 * @example unetEvaluations(30, "pndm", 30) // 31
 * @example unetEvaluations(15, "pndm", 20) // 16: img2img, 20 steps at 0.75
 */
export function unetEvaluations(denoiseSteps: number, scheduler: string, scheduleSteps: number): number {
  return scheduler === "pndm" && scheduleSteps > 1 ? denoiseSteps + 1 : denoiseSteps;
}
