import type { RgbImage } from "../image/decode-image.ts";
import type { GenerationParameters } from "../image/png-parameters.ts";

export interface GenerationTimings {
  totalMs: number;
  /** Time spent inside ONNX Runtime's `session.run`, all models together. */
  sessionRunMs: number;
  /** Denoising steps run (= UNet evaluations of the guidance batch). */
  denoiseSteps: number;
  unetRuns: number;
  msPerStep: number;
}

/** One image of a call: a grid's image i has seed + i. */
export interface GeneratedImage {
  image: RgbImage;
  /** PNG with its own parameters (its own seed). */
  png: Buffer;
  seed: bigint;
  parameters: GenerationParameters;
  /** As {@link GenerationResult.nsfwFlagged}, for this image. */
  nsfwFlagged?: boolean;
}

/** The first image's fields at the top (a call of one is just that), every image in `images`. */
export interface GenerationResult {
  image: RgbImage;
  /** PNG with an A1111-style `parameters` text chunk: the file tells its own seed. */
  png: Buffer;
  seed: bigint;
  width: number;
  height: number;
  parameters: GenerationParameters;
  timings: GenerationTimings;
  /** Things the user should know, e.g. a prompt cut to fit CLIP's 77 tokens. */
  warnings: string[];
  /** The export's safety checker flagged the image (`has_nsfw_concepts`); absent when the model has no checker. */
  nsfwFlagged?: boolean;
  /** Every image of the call in seed order (`count` of them); the first is the one above. */
  images: GeneratedImage[];
}

/** What the user is told about the prompt: the tokens past the text encoder's context are ignored. */
export function promptWarnings(truncatedTokens: number, modelMaxLength: number): string[] {
  return truncatedTokens > 0 ? [`The prompt is longer than CLIP's ${modelMaxLength} tokens; the last ${truncatedTokens} were ignored.`] : [];
}
