import type { Generator } from "../random/generator.ts";

/** Throws unless two flat tensors have the same number of elements. */
export function assertSameLength(a: Float32Array, b: Float32Array, names: string): void {
  if (a.length !== b.length) throw new RangeError(`Expected ${names} to have the same number of elements, got ${a.length} and ${b.length}`);
}

/**
 * The noise a stochastic step adds: the caller's own, or a fresh draw from the seeded generator, made exactly
 * where diffusers calls `randn_tensor` so the stream stays aligned with diffusers'.
 */
export function stepNoise(
  given: Float32Array | undefined,
  generator: Generator | undefined,
  shape: number[] | undefined,
  length: number,
  who: string,
): Float32Array {
  const noise = given ?? generator?.randn(shape ?? [length]);
  if (!noise) throw new TypeError(`${who} draws noise: pass \`noise\`, or \`generator\` (and \`shape\`)`);
  if (noise.length !== length) throw new RangeError(`${who}: expected ${length} noise values, got ${noise.length}`);
  return noise;
}
