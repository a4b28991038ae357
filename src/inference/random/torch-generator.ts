import type { Generator } from "./generator.ts";
import { Mt19937 } from "./mt19937.ts";
import { toTorchSeed } from "./torch-seed.ts";

const f32 = Math.fround;
const TWO_PI = 2 * Math.PI;
/** torch's AVX2 kernel (the common x86 build, and the source of the published reference values) multiplies by 2π in float32. */
const TWO_PI_F32 = f32(TWO_PI);
const TWO_POW_32 = 4294967296;
/** torch reads a float uniform from the low 24 bits of one draw and a double from the low 53 bits of two. */
const FLOAT_MANTISSA_MASK = 0xffffff;
const FLOAT_DIVISOR = 1 / 16777216;
const DOUBLE_HIGH_MASK = 0x1fffff;
const DOUBLE_DIVISOR = 1 / 9007199254740992;
/** torch switches to its block Box–Muller from this many elements on (float32, contiguous). */
const BLOCK = 16;
const HALF_BLOCK = 8;

/**
 * A CPU random stream identical to `torch.Generator().manual_seed(seed)` for `torch.randn(shape, generator=g)`
 * in float32: successive `randn` calls continue the stream as successive torch calls do, so a pipeline that
 * draws the VAE latent sample and then the noise gets diffusers' numbers.
 *
 * How torch draws (aten/src/ATen/native/cpu/DistributionTemplates.h, core/DistributionsHelper.h):
 * - mt19937 seeded with the low 32 bits of the 64-bit seed;
 * - 16 elements or more: fill every element with a float uniform, then Box–Muller in blocks of 16, pairing
 *   element j with j + 8; when the size is not a multiple of 16 the last 16 elements are drawn again and
 *   recomputed (so the tail overlaps the previous block);
 * - fewer than 16: per element, a double Box–Muller whose second value is cached in the generator and
 *   returned by the next small draw.
 *
 * @example
 * const g = new TorchGenerator(42);
 * const latentNoise = g.randn([1, 4, 64, 64]);
 */
export class TorchGenerator implements Generator {
  /** The seed as torch stores it (unsigned 64-bit). */
  readonly seed: bigint;
  readonly #engine: Mt19937;
  #cachedNormal: number | undefined;

  /** @param seed an integer in [0, 2^64) (negative values down to -2^63 wrap as in torch). */
  constructor(seed: number | bigint) {
    this.seed = toTorchSeed(seed);
    this.#engine = new Mt19937(Number(this.seed & 0xffffffffn));
  }

  /** Standard normal float32 values for a tensor of `shape` (only the element count matters to torch). */
  randn(shape: number[]): Float32Array {
    const out = new Float32Array(elementCount(shape));
    if (out.length >= BLOCK) this.#fillBlocks(out);
    else for (let i = 0; i < out.length; i++) out[i] = this.#nextDoubleNormal();
    return out;
  }

  #fillBlocks(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.#nextFloatUniform();
    for (let i = 0; i + BLOCK <= out.length; i += BLOCK) boxMullerBlock(out, i);
    if (out.length % BLOCK !== 0) {
      const start = out.length - BLOCK;
      for (let i = start; i < out.length; i++) out[i] = this.#nextFloatUniform();
      boxMullerBlock(out, start);
    }
  }

  #nextFloatUniform(): number {
    return (this.#engine.nextUint32() & FLOAT_MANTISSA_MASK) * FLOAT_DIVISOR;
  }

  #nextDoubleUniform(): number {
    const high = this.#engine.nextUint32();
    const low = this.#engine.nextUint32();
    return ((high & DOUBLE_HIGH_MASK) * TWO_POW_32 + low) * DOUBLE_DIVISOR;
  }

  #nextDoubleNormal(): number {
    if (this.#cachedNormal !== undefined) {
      const cached = this.#cachedNormal;
      this.#cachedNormal = undefined;
      return cached;
    }
    const u1 = this.#nextDoubleUniform();
    const u2 = this.#nextDoubleUniform();
    const radius = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = TWO_PI * u1;
    this.#cachedNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }
}

/**
 * torch's `normal_fill_16` in float32: uniforms at `start + j` and `start + j + 8` become two normals. The
 * AVX2 kernel's log/sin/cos are polynomial approximations; correctly rounded ones here differ from them by at
 * most a few float ulps (well under 1e-6 for |x| < 8).
 */
function boxMullerBlock(data: Float32Array, start: number): void {
  for (let j = start; j < start + HALF_BLOCK; j++) {
    const u1 = f32(1 - data[j]!); // [0, 1) -> (0, 1] for the log
    const u2 = data[j + HALF_BLOCK]!;
    const radius = f32(Math.sqrt(f32(-2 * f32(Math.log(u1)))));
    const theta = f32(TWO_PI_F32 * u2);
    data[j] = radius * f32(Math.cos(theta));
    data[j + HALF_BLOCK] = radius * f32(Math.sin(theta));
  }
}

function elementCount(shape: number[]): number {
  let count = 1;
  for (const size of shape) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError(`Expected every dimension of \`shape\` to be a non-negative integer, got [${shape.join(", ")}]`);
    }
    count *= size;
  }
  return count;
}
