import type { Img2ImgOptions, ProgressEvent, Txt2ImgOptions } from "../pipeline/generation-options.ts";
import type { UpscaleOptions } from "../pipeline/upscale.ts";
import type { GeneratedImage, GenerationResult, PipelineLoadOptions } from "../pipeline/stable-diffusion-pipeline.ts";
import type { GenerationDefaults } from "../pipeline/model-family.ts";

/** What crosses into the worker: plain, structured-clonable options (no callbacks, no signal). */
export type GenerationRequest = (
  | { mode: "img2img"; options: Omit<Img2ImgOptions, "onProgress" | "signal"> }
  | { mode: "txt2img"; options: Omit<Txt2ImgOptions, "onProgress" | "signal"> }
  | { mode: "upscale"; options: Omit<UpscaleOptions, "onProgress" | "signal"> }
) & {
  /** The model folder to run on (loaded first when it is not resident). @default the worker's startup folder */
  modelDir?: string;
};

/** The result without the raw pixels, which nobody past the PNG needs. */
export type WorkerGenerationResult = Omit<GenerationResult, "image" | "images"> & { images: Array<Omit<GeneratedImage, "image">> };

export interface WorkerData {
  modelDir: string;
  loadOptions: Omit<PipelineLoadOptions, "log">;
  /**
   * How many models may stay loaded at once; asking for another releases the least recently used first.
   * @default 1
   */
  maxResidentModels?: number;
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
  | { type: "load"; id: number; modelDir: string }
  | { type: "unload"; id: number; modelDir: string }
  | { type: "shutdown" };

export type FromWorker =
  /** The startup model is loaded; `defaults` are its family's (absent only from stand-in test workers). */
  | { type: "ready"; provider: string; model: string; loadMs?: number; defaults?: GenerationDefaults }
  /** Task `id` had to load `modelDir` first (a generation or a load request); `ms` is how long that took. */
  | { type: "model-loaded"; id: number; modelDir: string; ms: number; defaults?: GenerationDefaults }
  | { type: "loaded"; id: number; model: string; defaults?: GenerationDefaults }
  | { type: "unloaded"; id: number }
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
