/**
 * The export's safety checker, run after decoding as diffusers' ONNX pipeline does: the image through the feature
 * extractor (CLIPImageProcessor, configured by `feature_extractor/preprocessor_config.json`) as `clip_input`, the
 * image itself as `images` (NHWC floats in [0, 1]), and `has_nsfw_concepts` read back. Only the verdict is kept:
 * what a flagged image gets (blocked, spoilered) is the caller's policy, not the library's.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RgbImage } from "../image/decode-image.ts";
import { resizeBicubicPil, resizeBicubicTorch } from "../image/pil-resize.ts";
import { ModelSession, type ModelSessionOptions } from "../onnx/model-session.ts";
import { ModelFolderError } from "./errors.ts";

/** What CLIPImageProcessor does with an image, from preprocessor_config.json (its own defaults where a key is absent). */
export interface ClipPreprocessing {
  /** The shortest side after resizing (`size.shortest_edge`, or `size` as a number). */
  shortestEdge: number;
  crop: { width: number; height: number };
  rescaleFactor: number;
  mean: [number, number, number];
  std: [number, number, number];
  doResize: boolean;
  doCenterCrop: boolean;
  doRescale: boolean;
  doNormalize: boolean;
}

/** CLIPImageProcessor()'s defaults, which SD 1.5's feature extractor also uses. */
const CLIP_DEFAULTS: ClipPreprocessing = {
  shortestEdge: 224,
  crop: { width: 224, height: 224 },
  rescaleFactor: 1 / 255,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  doResize: true,
  doCenterCrop: true,
  doRescale: true,
  doNormalize: true,
};

export const SAFETY_CHECKER_FILE = "safety_checker/model.onnx";
export const PREPROCESSOR_CONFIG_FILE = "feature_extractor/preprocessor_config.json";

/** Reads preprocessor_config.json's keys as transformers does (sizes as numbers or objects). */
export function parsePreprocessorConfig(config: Record<string, unknown>): ClipPreprocessing {
  const size = config.size;
  const shortestEdge = typeof size === "number" ? size : isRecord(size) && typeof size.shortest_edge === "number" ? size.shortest_edge : CLIP_DEFAULTS.shortestEdge;
  const cropSize = config.crop_size;
  const crop =
    typeof cropSize === "number"
      ? { width: cropSize, height: cropSize }
      : isRecord(cropSize) && typeof cropSize.width === "number" && typeof cropSize.height === "number"
        ? { width: cropSize.width, height: cropSize.height }
        : CLIP_DEFAULTS.crop;
  return {
    shortestEdge,
    crop,
    rescaleFactor: typeof config.rescale_factor === "number" ? config.rescale_factor : CLIP_DEFAULTS.rescaleFactor,
    mean: triple(config.image_mean) ?? CLIP_DEFAULTS.mean,
    std: triple(config.image_std) ?? CLIP_DEFAULTS.std,
    doResize: config.do_resize !== false,
    doCenterCrop: config.do_center_crop !== false,
    doRescale: config.do_rescale !== false,
    doNormalize: config.do_normalize !== false,
  };
}

/**
 * Which of transformers' CLIPImageProcessor backends to reproduce (transformers 5). `torchvision` is its default
 * wherever torchvision is installed (as on the machine the references came from); `pil` is its fallback without
 * it. They resize with different fixed-point weights (about one value in a thousand a level apart) and compute the
 * floats in different orders (last-bit differences).
 */
export type ClipBackend = "torchvision" | "pil";

export const DEFAULT_CLIP_BACKEND: ClipBackend = "torchvision";

/**
 * CLIPImageProcessor on one image: resize so the shortest side is `shortestEdge` (bicubic, antialiased; the long
 * side `int(shortest × long / short)` as transformers computes it), centre-crop (top-left at
 * floor((size − crop) / 2)), rescale, normalize per channel; every value as `backend` gives it. Returns NCHW
 * [1, 3, cropH, cropW].
 */
export async function clipPreprocess(image: RgbImage, p: ClipPreprocessing, backend: ClipBackend = DEFAULT_CLIP_BACKEND): Promise<{ data: Float32Array; dims: number[] }> {
  let data: Uint8Array = image.data;
  let { width, height } = image;
  if (p.doResize) {
    const short = Math.min(width, height);
    const long = Math.max(width, height);
    const longSide = Math.trunc((p.shortestEdge * long) / short);
    const [w, h] = width <= height ? [p.shortestEdge, longSide] : [longSide, p.shortestEdge];
    if (w !== width || h !== height) {
      data = (backend === "pil" ? resizeBicubicPil : resizeBicubicTorch)(data, width, height, w, h);
      width = w;
      height = h;
    }
  }
  let left = 0;
  let top = 0;
  let outW = width;
  let outH = height;
  if (p.doCenterCrop) {
    outW = p.crop.width;
    outH = p.crop.height;
    left = Math.floor((width - outW) / 2);
    top = Math.floor((height - outH) / 2);
    if (left < 0 || top < 0) throw new ModelFolderError(`The feature extractor crops ${outW}×${outH} out of a ${width}×${height} image; its preprocessor_config.json is inconsistent`);
  }
  const values = pixelValues(p, backend);
  const out = new Float32Array(3 * outH * outW);
  const plane = outH * outW;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const src = ((y + top) * width + (x + left)) * 3;
      for (let c = 0; c < 3; c++) out[c * plane + y * outW + x] = values[c * 256 + data[src + c]!]!;
    }
  }
  return { data: out, dims: [1, 3, outH, outW] };
}

/**
 * The float each byte of each channel becomes (3 × 256), in float32 as the backend computes it. `pil` (numpy):
 * rescale in float64 then cast, normalize in float32. `torchvision`: rescale folded into normalize, as
 * (v − mean / factor) / (std / factor) with those in float32; rescale alone multiplies in float32.
 */
function pixelValues(p: ClipPreprocessing, backend: ClipBackend): Float32Array {
  const f = Math.fround;
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = f(p.mean[c]!);
    const std = f(p.std[c]!);
    for (let v = 0; v < 256; v++) {
      let x = v;
      if (backend === "torchvision" && p.doRescale && p.doNormalize) {
        const k = f(1 / p.rescaleFactor);
        x = f(f(v - f(mean * k)) / f(std * k));
      } else {
        if (p.doRescale) x = backend === "torchvision" ? f(v * f(p.rescaleFactor)) : f(v * p.rescaleFactor);
        if (p.doNormalize) x = f(f(x - mean) / std);
      }
      table[c * 256 + v] = x;
    }
  }
  return table;
}

/** An RGB8 image as the checker's `images` input: NHWC floats in [0, 1]. */
export function imagesInput(image: RgbImage): { data: Float32Array; dims: number[] } {
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = image.data[i]! / 255;
  return { data, dims: [1, image.height, image.width, 3] };
}

export class SafetyChecker {
  private constructor(
    private readonly session: ModelSession,
    readonly preprocessing: ClipPreprocessing,
  ) {}

  /**
   * The model folder's safety checker, or `undefined` when it has none. A folder with a checker but no
   * preprocessor_config.json gets CLIPImageProcessor's defaults (SD 1.5's own values).
   */
  static async load(modelDir: string, options: ModelSessionOptions = {}): Promise<SafetyChecker | undefined> {
    const path = join(modelDir, SAFETY_CHECKER_FILE);
    if (!(await exists(path))) return undefined;
    let config: Record<string, unknown> = {};
    try {
      config = JSON.parse(await readFile(join(modelDir, PREPROCESSOR_CONFIG_FILE), "utf8")) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new ModelFolderError(`${PREPROCESSOR_CONFIG_FILE} is not valid JSON: ${(error as Error).message}`);
      options.log?.(`${PREPROCESSOR_CONFIG_FILE} is missing: the safety checker uses CLIPImageProcessor's defaults`);
    }
    const session = await ModelSession.load("safety_checker", path, options);
    for (const name of ["clip_input", "images"]) session.input(name);
    if (!session.hasOutput("has_nsfw_concepts")) throw new ModelFolderError(`${SAFETY_CHECKER_FILE} has no \`has_nsfw_concepts\` output; is it a diffusers safety checker export?`);
    return new SafetyChecker(session, parsePreprocessorConfig(config));
  }

  /** Whether the checker flags the image (diffusers runs it one image at a time, as here). */
  async isFlagged(image: RgbImage): Promise<boolean> {
    const clipInput = await clipPreprocess(image, this.preprocessing);
    const result = await this.session.run({ clip_input: clipInput, images: imagesInput(image) }, ["has_nsfw_concepts"]);
    return (result.has_nsfw_concepts?.data[0] ?? 0) !== 0;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function triple(value: unknown): [number, number, number] | undefined {
  if (!Array.isArray(value)) return undefined;
  const [a, b, c] = value as unknown[];
  return value.length === 3 && typeof a === "number" && typeof b === "number" && typeof c === "number" ? [a, b, c] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
