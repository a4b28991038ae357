/**
 * The σ schedules diffusers can swap in for the interpolated one: Karras et al.'s (arXiv 2206.00364, ρ = 7) and
 * Lu et al.'s (DPM-Solver, evenly spaced in log σ), and diffusers' `_sigma_to_t` to map them back to timesteps,
 * computed in numpy's dtypes: the ramp in float64, log σ of the training schedule in float32.
 */

const f32 = Math.fround;
const RHO = 7;

/** diffusers' `_convert_to_karras`: `numInferenceSteps` σ from `sigmaMax` down to `sigmaMin`. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, numInferenceSteps: number): number[] {
  const minInvRho = sigmaMin ** (1 / RHO);
  const maxInvRho = sigmaMax ** (1 / RHO);
  return unitRamp(numInferenceSteps).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** RHO);
}

/** DPM-Solver's `use_lu_lambdas` (`_convert_to_lu`, ρ = 1): σ evenly spaced in log σ from σ_max down to σ_min. */
export function luSigmas(logSigmaMin: number, logSigmaMax: number, numInferenceSteps: number): number[] {
  return unitRamp(numInferenceSteps).map((ramp) => Math.exp(logSigmaMax + ramp * (logSigmaMin - logSigmaMax)));
}

/** `np.linspace(0, 1, n)`: i · (1 / (n − 1)), the last exactly 1. */
function unitRamp(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 0 : i === n - 1 ? 1 : i * (1 / (n - 1))));
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
