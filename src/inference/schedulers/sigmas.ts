const f32 = Math.fround;

/** σ_t = √((1 − ᾱ_t) / ᾱ_t) for every training timestep, in float32 as diffusers' torch expression gives it. */
export function sigmasFromAlphasCumprod(alphasCumprod: Float32Array): Float32Array {
  return alphasCumprod.map((alpha) => Math.sqrt(f32(f32(1 - alpha) / alpha)));
}

/** The (α_t, σ_t) of the variance-preserving x_t = α_t·x_0 + σ_t·ε for a σ of the variance-exploding form. */
export function alphaSigmaFromSigma(sigma: number): { alpha: number; sigma: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  return { alpha, sigma: f32(sigma * alpha) };
}
