/**
 * Reroll's inference library: Stable Diffusion 1.5 img2img and txt2img on onnxruntime-node.
 * It knows nothing of Discord or the database; this file is its only public entry.
 */
export type { SchedulerConfig } from "./schedulers/scheduler-config.ts";
export { SD15_SCHEDULER_CONFIG } from "./schedulers/scheduler-config.ts";
export type { Scheduler, StepOptions, SchedulerName } from "./schedulers/scheduler.ts";
export { SCHEDULER_NAMES } from "./schedulers/scheduler.ts";
export type { Generator } from "./random/generator.ts";
