import { TorchGenerator } from "../random/torch-generator.ts";
import type { Generator } from "../random/generator.ts";

/** How much of the variation seed's noise 🔀 blends in when no strength is given (A1111's usual "small variation"). */
export const DEFAULT_VARIATION_STRENGTH = 0.1;

/** A variation seed and how much of its noise to blend into the seed's (A1111's "Variation seed" and "strength"). */
export interface Variation {
  seed: bigint;
  /** 0 keeps the seed's noise, 1 is the variation seed's. */
  strength: number;
}

/** A1111's threshold on the mean cosine above which the two noises count as parallel and are blended linearly. */
const PARALLEL_DOT = 0.9995;

/**
 * AUTOMATIC1111's `slerp(val, low, high)` (modules/rng.py) on one image's noise of shape `[channels, height, width]`:
 * the norms and dot products run along the height axis (torch `dim=1` of that 3-d tensor), giving one angle per
 * (channel, column); each column is rotated from `low` toward `high` by `val` of its angle. When the mean cosine is
 * above 0.9995 it blends linearly instead (A1111 then writes `low·val + high·(1 − val)`, which swaps the weights;
 * that only differs when the noises are near-identical, so the textbook lerp is used here).
 * Computed in float64 per column, rounded to float32 once: the same input always gives the same bits.
 */
export function slerpNoise(val: number, low: Float32Array, high: Float32Array, shape: readonly [number, number, number]): Float32Array {
  const [channels, height, width] = shape;
  if (low.length !== channels * height * width || high.length !== low.length) {
    throw new RangeError(`slerpNoise: expected ${channels * height * width} values in both noises, got ${low.length} and ${high.length}`);
  }
  const columns = channels * width;
  const dots = new Float64Array(columns);
  const lowNorms = new Float64Array(columns);
  const highNorms = new Float64Array(columns);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const row = (c * height + y) * width;
      for (let x = 0; x < width; x++) {
        const a = low[row + x]!;
        const b = high[row + x]!;
        const col = c * width + x;
        dots[col]! += a * b;
        lowNorms[col]! += a * a;
        highNorms[col]! += b * b;
      }
    }
  }
  let meanDot = 0;
  for (let col = 0; col < columns; col++) {
    dots[col] = dots[col]! / (Math.sqrt(lowNorms[col]!) * Math.sqrt(highNorms[col]!));
    meanDot += dots[col]!;
  }
  meanDot /= columns;
  const lowWeights = new Float64Array(columns);
  const highWeights = new Float64Array(columns);
  for (let col = 0; col < columns; col++) {
    if (meanDot > PARALLEL_DOT) {
      lowWeights[col] = 1 - val;
      highWeights[col] = val;
      continue;
    }
    const omega = Math.acos(Math.min(1, Math.max(-1, dots[col]!)));
    const so = Math.sin(omega);
    lowWeights[col] = Math.sin((1 - val) * omega) / so;
    highWeights[col] = Math.sin(val * omega) / so;
  }
  const out = new Float32Array(low.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const row = (c * height + y) * width;
      for (let x = 0; x < width; x++) {
        const col = c * width + x;
        out[row + x] = lowWeights[col]! * low[row + x]! + highWeights[col]! * high[row + x]!;
      }
    }
  }
  return out;
}

/**
 * The initial noise of one image of `shape` `[1, channels, height, width]`: drawn from the seeded `generator` (which
 * goes on to serve the later draws, as in A1111 and diffusers), and with a variation, slerped toward the noise of a
 * fresh generator on the variation seed (A1111's `ImageRNG.first`: `slerp(subseed_strength, noise, subnoise)`).
 */
export function initialNoise(generator: Generator, shape: readonly number[], variation?: Variation): Float32Array {
  const noise = generator.randn([...shape]);
  if (!variation || variation.strength === 0) return noise;
  const [batch, channels, height, width] = shape;
  if (batch !== 1 || channels === undefined || height === undefined || width === undefined) {
    throw new RangeError(`initialNoise: a variation needs one image's shape [1, C, H, W], got [${shape.join(", ")}]`);
  }
  const subnoise = new TorchGenerator(variation.seed).randn([...shape]);
  return slerpNoise(variation.strength, noise, subnoise, [channels, height, width]);
}
