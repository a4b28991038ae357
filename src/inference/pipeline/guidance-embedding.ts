/**
 * diffusers' `get_guidance_scale_embedding` (LatentConsistencyModelPipeline), for one guidance value: the
 * sinusoidal embedding of `w · 1000` with `embeddingDim / 2` frequencies 10000^(−i / (half − 1)), sines first, then
 * cosines, zero-padded to an odd width. Computed in float32 step by step as torch does. The LCM pipeline feeds it
 * with `w = guidance_scale − 1` as the UNet's `timestep_cond`.
 * @param embeddingDim the UNet's `time_cond_proj_dim` (256 for LCM_Dreamshaper_v7)
 * @example guidanceScaleEmbedding(7.5, 4) // ≈ [sin 7500, sin 0.75, cos 7500, cos 0.75]
 */
export function guidanceScaleEmbedding(w: number, embeddingDim: number): Float32Array {
  if (!Number.isInteger(embeddingDim) || embeddingDim < 4) {
    throw new RangeError(`Expected \`embeddingDim\` to be an integer of at least 4, got \`${embeddingDim}\``);
  }
  const f = Math.fround;
  const half = Math.floor(embeddingDim / 2);
  const scaled = f(f(w) * 1000);
  const step = f(f(Math.log(10000)) / (half - 1));
  const out = new Float32Array(embeddingDim); // an odd width keeps its last entry 0, as torch's pad
  for (let i = 0; i < half; i++) {
    const angle = f(scaled * f(Math.exp(f(i * -step))));
    out[i] = Math.sin(angle);
    out[half + i] = Math.cos(angle);
  }
  return out;
}
