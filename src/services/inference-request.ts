import type { GenerationRecord } from "../db/types.ts";
import {
  UPSCALE_FACTOR,
  type GenerationRequest as InferenceRequest,
  type SchedulerName,
  type Txt2ImgOptions,
  type UpscaleBase,
} from "../inference/index.ts";
import { parseModelLabel } from "../models/installed-models.ts";
import type { InputStore } from "./input-store.ts";
import { JobInputMissingError } from "./job-errors.ts";

/** What the worker is asked to run for a stored generation: its recorded parameters, input image and model. */
export async function inferenceRequestFor(
  record: GenerationRecord,
  deps: {
    inputs: InputStore;
    /** Where the job's model lives when it is not the backend's own (`{}`: the backend's own). */
    model: { modelDir?: string };
  },
): Promise<InferenceRequest> {
  const common = {
    prompt: record.prompt,
    negativePrompt: record.negativePrompt,
    steps: record.steps,
    guidanceScale: record.guidance,
    seed: record.seed,
    scheduler: record.scheduler as SchedulerName,
    // The PNG names the model as the job recorded it: its catalog name, and the commit as A1111's "Model hash".
    model: (({ name, commit }) => ({ name, ...(commit && { hash: commit }) }))(parseModelLabel(record.model)),
    width: record.width,
    height: record.height,
    count: record.imageCount,
    ...(record.variationSeed !== null && { variationSeed: record.variationSeed, variationStrength: record.variationStrength ?? undefined }),
  };
  const { model } = deps;
  if (record.kind === "upscale") return { mode: "upscale", options: { base: await upscaleBase(record, common, deps.inputs) }, ...model };
  if (record.kind === "txt2img") return { mode: "txt2img", options: common, ...model };
  const image = record.inputHash ? await deps.inputs.get(record.inputHash) : undefined;
  if (!image) throw new JobInputMissingError();
  return { mode: "img2img", options: { ...common, image, strength: record.strength ?? undefined }, ...model };
}

/** An upscale's base: the result it enlarges, made again at half its stored size from the same parameters. */
async function upscaleBase(record: GenerationRecord, common: Omit<Txt2ImgOptions, "onProgress" | "signal">, inputs: InputStore): Promise<UpscaleBase> {
  const options = { ...common, width: record.width / UPSCALE_FACTOR, height: record.height / UPSCALE_FACTOR, count: 1 };
  if (record.inputHash === null) return { mode: "txt2img", options };
  const image = await inputs.get(record.inputHash);
  if (!image) throw new JobInputMissingError();
  return { mode: "img2img", options: { ...options, image, strength: record.strength ?? undefined } };
}
