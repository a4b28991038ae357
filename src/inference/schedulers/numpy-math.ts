/**
 * The few numpy routines diffusers builds timestep grids and sigmas with, computed the way numpy computes them
 * so that rounding lands on the same integers (numpy rounds half to even; `linspace` and `arange` accumulate
 * their own way).
 */

/** `np.round` for one value: halves go to the even neighbour (0.5 → 0, 1.5 → 2). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `np.linspace(start, stop, num)` in float64: `i * step + start`, the last value set to `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/** `np.arange(start, stop, step)` for floats: numpy stores `start`, `start + step`, then `start + i * (second − first)`. */
export function arange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const second = start + step;
  const delta = second - start;
  return Array.from({ length }, (_, i) => (i === 0 ? start : i === 1 ? second : start + i * delta));
}

/** `np.interp(x, np.arange(len(fp)), fp)`: linear interpolation on the integer grid, clamped at both ends. */
export function interpOnIndexGrid(x: number, fp: ArrayLike<number>): number {
  const last = fp.length - 1;
  if (last < 0) throw new RangeError("interpOnIndexGrid: fp is empty");
  if (x <= 0) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  const low = fp[j]!;
  if (x === j) return low;
  const slope = fp[j + 1]! - low;
  return slope * (x - j) + low;
}
