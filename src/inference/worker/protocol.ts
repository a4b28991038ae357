import type { Img2ImgOptions, ProgressEvent, Txt2ImgOptions } from "../pipeline/generation-options.ts";
import type { GenerationResult, PipelineLoadOptions } from "../pipeline/stable-diffusion-pipeline.ts";

/** What crosses into the worker: plain, structured-clonable options (no callbacks, no signal). */
export type GenerationRequest =
  | { mode: "img2img"; options: Omit<Img2ImgOptions, "onProgress" | "signal"> }
  | { mode: "txt2img"; options: Omit<Txt2ImgOptions, "onProgress" | "signal"> };

/** The result without the raw pixels, which nobody past the PNG needs. */
export type WorkerGenerationResult = Omit<GenerationResult, "image">;

export interface WorkerData {
  modelDir: string;
  loadOptions: Omit<PipelineLoadOptions, "log">;
}

export interface SerializedError {
  name: string;
  message: string;
  option?: string;
  code?: string;
  stack?: string;
}

export type ToWorker =
  | { type: "generate"; id: number; request: GenerationRequest }
  | { type: "cancel"; id: number }
  | { type: "shutdown" };

export type FromWorker =
  | { type: "ready"; provider: string; model: string }
  | { type: "load-failed"; error: SerializedError }
  | { type: "log"; message: string }
  | { type: "started"; id: number }
  | { type: "progress"; id: number; event: ProgressEvent }
  | { type: "done"; id: number; result: WorkerGenerationResult }
  | { type: "failed"; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const extra = error as Error & { option?: unknown; code?: unknown };
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof extra.option === "string" ? { option: extra.option } : {}),
    ...(typeof extra.code === "string" ? { code: extra.code } : {}),
  };
}
