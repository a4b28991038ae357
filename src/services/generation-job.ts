import type { GenerationRecord } from "../db/types.ts";
import { UPSCALE_FACTOR, UPSCALE_STRENGTH, denoisingSteps, refinementSteps, unetEvaluations } from "../inference/index.ts";
import type { JobSpec } from "../jobs/index.ts";

/** A stored generation as the queue sees it: who asked, and how much UNet work it is (for fairness and ETAs). */
export interface GenerationJob extends JobSpec {
  generationId: number;
}

/**
 * The queue's view of a stored generation: its UNet runs as `steps` (denoising steps, one more for PLMS: see
 * unetEvaluations) and its cost in 512²-step units (CFG doubles it).
 */
export function toJob(record: GenerationRecord): GenerationJob {
  if (record.kind === "upscale") return upscaleJob(record);
  const denoise = unetEvaluations(record.kind === "img2img" ? denoisingSteps(record.steps, record.strength ?? 1, record.scheduler) : record.steps, record.scheduler, record.steps);
  return {
    id: String(record.id),
    generationId: record.id,
    userId: record.userId,
    steps: denoise,
    cost: ((record.width * record.height) / (512 * 512)) * denoise * (record.guidance > 1 ? 2 : 1) * record.imageCount,
  };
}

/**
 * An upscale's place in the queue: the base run again, then the refinement of 4× the pixels at UPSCALE_STRENGTH
 * (tiles or not, the UNet sees about the same number of pixels).
 */
function upscaleJob(record: GenerationRecord): GenerationJob {
  const baseArea = (record.width * record.height) / UPSCALE_FACTOR ** 2;
  const baseSteps = unetEvaluations(record.inputHash === null ? record.steps : denoisingSteps(record.steps, record.strength ?? 1, record.scheduler), record.scheduler, record.steps);
  const refinementSchedule = refinementSteps(record.steps, UPSCALE_STRENGTH);
  const refineSteps = unetEvaluations(denoisingSteps(refinementSchedule, UPSCALE_STRENGTH, record.scheduler), record.scheduler, refinementSchedule);
  const perStep = (record.guidance > 1 ? 2 : 1) / (512 * 512);
  return {
    id: String(record.id),
    generationId: record.id,
    userId: record.userId,
    steps: baseSteps + refineSteps * Math.ceil((record.width * record.height) / (512 * 512)),
    cost: (baseArea * baseSteps + record.width * record.height * refineSteps) * perStep,
  };
}

/** The job grouped by its model: the queue batches jobs of the loaded model (see src/jobs/model-batching.ts). */
export function inGroup(job: GenerationJob, record: GenerationRecord): GenerationJob {
  return { ...job, group: record.model };
}

