import { assertSameLength } from "./step-noise.ts";

const f32 = Math.fround;

/** ᾱ at an integer training timestep, refusing one outside the schedule (a fractional or out-of-range timestep). */
export function alphaCumprodAt(alphasCumprod: Float32Array, timestep: number): number {
  const value = alphasCumprod[timestep];
  if (!Number.isInteger(timestep) || value === undefined) {
    throw new RangeError(`Expected a timestep in [0, ${alphasCumprod.length - 1}], got ${timestep}`);
  }
  return value;
}

/** x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε by integer timestep, in float32 as diffusers' DDIM/LCM `add_noise`. */
export function addNoiseAtTimestep(alphasCumprod: Float32Array, original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
  assertSameLength(original, noise, "original and noise");
  const alphaProd = alphaCumprodAt(alphasCumprod, timestep);
  const sqrtAlpha = f32(Math.sqrt(alphaProd));
  const sqrtOneMinus = f32(Math.sqrt(f32(1 - alphaProd)));
  return original.map((x, i) => f32(sqrtAlpha * x) + f32(sqrtOneMinus * noise[i]!));
}
