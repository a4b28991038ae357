const TWO_POW_64 = 1n << 64n;

/** The largest seed `torch.Generator.manual_seed` keeps as it is: seeds are 0 ≤ seed ≤ 2^64 − 1. */
export const MAX_SEED = TWO_POW_64 - 1n;
const MIN_SIGNED_64 = -(1n << 63n);

/**
 * Normalizes a seed the way `torch.Generator.manual_seed` reads a Python int: any integer in [0, 2^64) is taken
 * as it is, and a negative one down to -2^63 is reinterpreted as its unsigned 64-bit two's complement.
 *
 * @throws {RangeError} for a non-integer or a value outside [-2^63, 2^64).
 * @example toTorchSeed(-1) // 18446744073709551615n
 */
export function toTorchSeed(seed: number | bigint): bigint {
  if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
    throw new RangeError(`Expected \`seed\` to be a safe integer or a bigint, got \`${seed}\` (number)`);
  }
  const value = BigInt(seed);
  if (value < MIN_SIGNED_64 || value >= TWO_POW_64) {
    throw new RangeError(`Expected \`seed\` to be an integer in [-2^63, 2^64), got \`${value}\``);
  }
  return value < 0n ? value + TWO_POW_64 : value;
}
