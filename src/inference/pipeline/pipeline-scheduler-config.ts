import type { SchedulerConfigFile } from "../schedulers/scheduler-config.ts";

/**
 * The scheduler config a generation's scheduler is built from. diffusers' StableDiffusionPipeline and
 * StableDiffusionImg2ImgPipeline rewrite two keys of the scheduler they are given, with a deprecation warning, when
 * its config says otherwise (PNDMScheduler's own defaults, for one, say `steps_offset: 0`; DDIM's say
 * `clip_sample: true`): `steps_offset` becomes 1 and `clip_sample` false. Both keys are read only when timesteps are
 * set and steps are taken, so rewriting them before the scheduler is built gives the same scheduler. diffusers'
 * LatentConsistencyModel pipelines (an LCM-distilled model with its LCM scheduler) leave the config as it is.
 */
export function pipelineSchedulerConfig(config: SchedulerConfigFile, lcmPipeline: boolean): SchedulerConfigFile {
  return lcmPipeline ? config : { ...config, steps_offset: 1, clip_sample: false };
}
