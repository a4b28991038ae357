/**
 * Reroll's inference library: Stable Diffusion 1.5 img2img and txt2img on onnxruntime-node.
 * It knows nothing of Discord or the database; this file is its only public entry.
 */
export type { SchedulerConfig } from "./schedulers/scheduler-config.ts";
export { SD15_SCHEDULER_CONFIG } from "./schedulers/scheduler-config.ts";
export type { Scheduler, StepOptions, SchedulerName } from "./schedulers/scheduler.ts";
export { SCHEDULER_NAMES } from "./schedulers/scheduler.ts";
export type { Generator } from "./random/generator.ts";
export { StableDiffusionPipeline } from "./pipeline/stable-diffusion-pipeline.ts";
export type { PipelineLoadOptions, GenerationResult, GenerationTimings } from "./pipeline/stable-diffusion-pipeline.ts";
export type { Img2ImgOptions, Txt2ImgOptions, CommonGenerationOptions, ProgressEvent } from "./pipeline/generation-options.ts";
export { DEFAULTS as GENERATION_DEFAULTS } from "./pipeline/generation-options.ts";
export { GenerationCancelledError, InvalidOptionError, ModelFolderError } from "./pipeline/errors.ts";
export { SD15_SCALING_FACTOR } from "./pipeline/model-folder.ts";
export type { ExecutionProviderPreference, ExecutionProviderName } from "./onnx/execution-providers.ts";
export { cudaProviderInstalled } from "./onnx/execution-providers.ts";
export { InferenceClient, InferenceWorkerCrashedError } from "./worker/inference-client.ts";
export type { GenerationRequest, WorkerGenerationResult } from "./worker/protocol.ts";
export { ImageInputError, UploadLimitError } from "./image/errors.ts";
export type { ImageInputErrorCode } from "./image/errors.ts";
export { decodeImage, DEFAULT_MAX_INPUT_PIXELS } from "./image/decode-image.ts";
export type { DecodeOptions, RgbImage } from "./image/decode-image.ts";
export { fitSize } from "./image/target-size.ts";
export type { FitSizeOptions } from "./image/target-size.ts";
export { cropAndResize } from "./image/crop-and-resize.ts";
export { imageToTensor, tensorToImage } from "./image/image-tensor.ts";
export { formatParameters, parseParameters, encodePng } from "./image/png-parameters.ts";
export type { GenerationParameters, PngEncodeOptions } from "./image/png-parameters.ts";
export { readPngText } from "./image/png-text-chunks.ts";
export { fitToByteLimit } from "./image/fit-upload.ts";
export type { FittedUpload, FitUploadOptions } from "./image/fit-upload.ts";
export { ClipTokenizer } from "./tokenizer/clip-tokenizer.ts";
export { TokenizerFilesError } from "./tokenizer/tokenizer-files.ts";
export { randn } from "./random/randn.ts";
export { TorchGenerator } from "./random/torch-generator.ts";
export { toTorchSeed } from "./random/torch-seed.ts";
export { DDIMScheduler } from "./schedulers/ddim-scheduler.ts";
export type { DDIMSchedulerConfig } from "./schedulers/ddim-scheduler.ts";
export { DPMSolverMultistepScheduler } from "./schedulers/dpm-solver-multistep-scheduler.ts";
export type { DPMSolverMultistepSchedulerConfig } from "./schedulers/dpm-solver-multistep-scheduler.ts";
export { EulerAncestralDiscreteScheduler } from "./schedulers/euler-ancestral-discrete-scheduler.ts";
export type { EulerAncestralDiscreteSchedulerConfig } from "./schedulers/euler-ancestral-discrete-scheduler.ts";
export { computeNoiseSchedule } from "./schedulers/betas.ts";
export type { NoiseSchedule } from "./schedulers/betas.ts";
export { createScheduler, loadSchedulerConfig } from "./schedulers/create-scheduler.ts";
export { getImg2ImgTimesteps } from "./schedulers/img2img-timesteps.ts";
export type { Img2ImgTimesteps } from "./schedulers/img2img-timesteps.ts";
export { SchedulerConfigError } from "./schedulers/scheduler-config-error.ts";
