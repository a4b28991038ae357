import type { Generator } from "../random/generator.ts";

/**
 * diffusers' DiagonalGaussianDistribution.sample: `latent_parameters` is mean ‖ log-variance along channels;
 * the log-variance is clamped to [−30, 20] and the draw is mean + exp(logvar/2)·ε, ε from the seeded generator.
 */
export function sampleLatentDistribution(parameters: Float32Array, dims: number[], generator: Generator): { data: Float32Array; dims: number[] } {
  const [batch, channels2, height, width] = dims as [number, number, number, number];
  const channels = channels2 / 2;
  const plane = height * width;
  const shape = [batch, channels, height, width];
  const eps = generator.randn(shape);
  const out = new Float32Array(batch * channels * plane);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const meanBase = (b * channels2 + c) * plane;
      const logvarBase = (b * channels2 + channels + c) * plane;
      const outBase = (b * channels + c) * plane;
      for (let i = 0; i < plane; i++) {
        const logvar = Math.min(20, Math.max(-30, parameters[logvarBase + i]!));
        out[outBase + i] = parameters[meanBase + i]! + Math.exp(0.5 * logvar) * eps[outBase + i]!;
      }
    }
  }
  return { data: out, dims: shape };
}

export function scale(values: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(values.length);
  const f = Math.fround(factor); // torch multiplies float32 tensors by a float32 scalar
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * f;
  return out;
}

/** `values / factor` as torch computes it on float32 (not as a multiplication by the reciprocal). */
export function unscale(values: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(values.length);
  const f = Math.fround(factor);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / f;
  return out;
}
