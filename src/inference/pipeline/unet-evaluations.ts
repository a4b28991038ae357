/**
 * How many UNet runs (per image and guidance batch) `denoiseSteps` denoising steps take: one per step, except for
 * PLMS (diffusers' PNDM with `skip_prk_steps`, SD 1.x's default), which runs its second timestep twice, so one more
 * (txt2img and img2img alike). For estimates (the queue's costs and ETAs); PNDM's PRK warm-up, which SD folders do
 * not use, is not counted.
 * @example unetEvaluations(30, "pndm") // 31
 */
export function unetEvaluations(denoiseSteps: number, scheduler: string): number {
  return scheduler === "pndm" ? denoiseSteps + 1 : denoiseSteps;
}
