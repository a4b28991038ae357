/**
 * Seeded random numbers for synthetic weights. Each tensor gets its own stream, seeded from the model seed and the
 * tensor's name, so adding or reordering layers never shifts the values of the others.
 */

/** A uniform generator on [0, 1). */
export type UniformSource = () => number;

/** mulberry32: a tiny 32-bit PRNG, plenty for weights that only need to be deterministic and spread out. */
export function mulberry32(seed: number): UniformSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, for deriving per-tensor seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Fills `count` values uniform on [-a, a] with a = std·√3, so their standard deviation is `std`.
 * @param seed the stream's seed (see {@link hashString})
 */
export function uniformValues(count: number, std: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const bound = std * Math.sqrt(3);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (next() * 2 - 1) * bound;
  return values;
}
