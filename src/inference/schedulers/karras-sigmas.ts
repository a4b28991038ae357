/**
 * Karras et al.'s σ schedule (arXiv 2206.00364, ρ = 7) and diffusers' `_sigma_to_t`, computed in numpy's dtypes:
 * the ramp in float64, log σ of the training schedule in float32.
 */

const f32 = Math.fround;
const RHO = 7;

/** diffusers' `_convert_to_karras`: `numInferenceSteps` σ from `sigmaMax` down to `sigmaMin`. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, numInferenceSteps: number): number[] {
  const minInvRho = sigmaMin ** (1 / RHO);
  const maxInvRho = sigmaMax ** (1 / RHO);
  return Array.from({ length: numInferenceSteps }, (_, i) => {
    const ramp = numInferenceSteps === 1 ? 0 : i === numInferenceSteps - 1 ? 1 : i * (1 / (numInferenceSteps - 1));
    return (maxInvRho + ramp * (minInvRho - maxInvRho)) ** RHO;
  });
}

/**
 * diffusers' `_sigma_to_t`: the fractional training timestep whose log σ interpolates to `sigma`, from the float32
 * log σ of every training timestep (ascending). The bracket's width is a float32 difference, as numpy computes it.
 */
export function sigmaToTimestep(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigmas[i]! <= logSigma) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lowLog = logSigmas[low]!;
  const highLog = logSigmas[low + 1]!;
  const w = Math.min(1, Math.max(0, (lowLog - logSigma) / f32(lowLog - highLog)));
  return (1 - w) * low + w * (low + 1);
}
