import sharp from "sharp";
import { encodePng } from "../image/png-parameters.ts";
import { blendTiles, cropTile, lanczosResize, planTiles } from "../image/upscale.ts";
import type { RgbImage } from "../image/decode-image.ts";
import type { Img2ImgOptions, ProgressEvent, Txt2ImgOptions } from "./generation-options.ts";
import type { GenerationResult } from "./generation-result.ts";
import type { StableDiffusionPipeline } from "./stable-diffusion-pipeline.ts";

/** How much larger an upscale makes the base, per side. */
export const UPSCALE_FACTOR = 2;
/** How strongly ⬆️ refines the enlarged image: enough to add detail, little enough to keep the picture. */
export const UPSCALE_STRENGTH = 0.3;
/** Pixels neighbouring tiles share; their seam is feathered across this width. */
export const UPSCALE_TILE_OVERLAP = 64;

/**
 * The scheduler steps the refinement runs with: the base's, or more when so few would leave no step at `strength`
 * (3 steps × 0.3 → 0): at least ⌈1 / strength⌉, so one step always runs.
 */
export function refinementSteps(steps: number, strength: number): number {
  return Math.max(steps, Math.ceil(1 / strength));
}

/** The image an upscale starts from: made again from its own parameters (the same seed gives the same pixels). */
export type UpscaleBase = { mode: "txt2img"; options: Omit<Txt2ImgOptions, "onProgress" | "signal"> } | { mode: "img2img"; options: Omit<Img2ImgOptions, "onProgress" | "signal"> };

export interface UpscaleOptions {
  base: UpscaleBase;
  /** Output size per side relative to the base. @default UPSCALE_FACTOR (2) */
  factor?: number;
  /** img2img strength of the refinement. @default UPSCALE_STRENGTH (0.3) */
  strength?: number;
  /** The largest tile refined at once. @default the model's native side (512 for SD 1.x) */
  tileSize?: number;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/**
 * Upscale ×2 as hires fixes do it, in pixels: the base image is made (again) from its parameters, enlarged with
 * Lanczos, then refined by img2img at low strength with the same prompt and seed. Larger than the model's native size,
 * the refinement runs tile by tile (native-size tiles overlapping by 64 px, each with the same seed) and the tiles are
 * blended with linear feathering. Progress counts the base's steps, then every tile's.
 */
export async function upscale(pipeline: StableDiffusionPipeline, options: UpscaleOptions): Promise<GenerationResult> {
  const factor = options.factor ?? UPSCALE_FACTOR;
  const strength = options.strength ?? UPSCALE_STRENGTH;
  const native = options.tileSize ?? Math.max(pipeline.defaults.width, pipeline.defaults.height);
  const hooks = { signal: options.signal };
  const started = performance.now();
  /** Steps done before the current run, and how many the whole upscale will take (known once a tile has started). */
  let offset = 0;
  let tileCount = 0;
  const progress = (event: ProgressEvent) => {
    const totalSteps = tileCount === 0 ? event.totalSteps : baseSteps + tileCount * event.totalSteps;
    options.onProgress?.({ ...event, step: offset + event.step, totalSteps, elapsedMs: performance.now() - started });
  };
  let baseSteps = 0;

  // 1. The base image, exactly as it was made
  const base = options.base.mode === "txt2img"
    ? await pipeline.txt2img({ ...options.base.options, ...hooks, onProgress: progress })
    : await pipeline.img2img({ ...options.base.options, ...hooks, onProgress: progress });
  baseSteps = offset = base.timings.denoiseSteps;

  // 2. Enlarge with Lanczos, then refine in tiles of at most the native size
  const width = base.width * factor;
  const height = base.height * factor;
  const enlarged = await lanczosResize(base.image, width, height);
  // 64 px for native-size tiles; a quarter of smaller ones (multiples of 8: whole latent cells)
  const overlap = Math.min(UPSCALE_TILE_OVERLAP, Math.floor(native / 32) * 8);
  const tiles = planTiles(width, height, native, overlap);
  tileCount = tiles.length;
  const { prompt, negativePrompt, steps, guidanceScale, scheduler, variationSeed, variationStrength } = options.base.options;
  const refined: { tile: (typeof tiles)[number]; image: RgbImage }[] = [];
  let last: GenerationResult | undefined;
  const refinedResults: GenerationResult[] = [];
  for (const tile of tiles) {
    const input = cropTile(enlarged, tile);
    const png = await sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
    last = await pipeline.img2img({
      image: png,
      prompt,
      negativePrompt,
      steps: refinementSteps(steps ?? base.parameters.steps, strength),
      guidanceScale,
      scheduler,
      seed: base.seed,
      ...(variationSeed !== undefined && { variationSeed, variationStrength }),
      strength,
      width: tile.width,
      height: tile.height,
      ...hooks,
      onProgress: progress,
    });
    offset += last.timings.denoiseSteps;
    refined.push({ tile, image: last.image });
    refinedResults.push(last);
  }
  if (!last) throw new Error("unreachable: planTiles gives at least one tile");

  // 3. Blend the tiles and write the PNG: the refinement's parameters at the output size
  const image = tiles.length === 1 ? last.image : blendTiles(width, height, refined, overlap);
  const parameters = { ...last.parameters, width, height };
  const result = await encodePng(image, parameters);
  const nsfwFlagged = [base, ...refinedResults].some((r) => r.nsfwFlagged === true);
  return {
    ...last,
    ...((base.nsfwFlagged !== undefined) && { nsfwFlagged }),
    image,
    png: result,
    width,
    height,
    parameters,
    warnings: base.warnings,
    images: [{ image, png: result, seed: base.seed, parameters }],
    timings: { ...last.timings, denoiseSteps: offset, totalMs: performance.now() - started, msPerStep: (performance.now() - started) / offset },
  };
}
