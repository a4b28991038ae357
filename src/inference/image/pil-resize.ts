/**
 * Pillow's bicubic resize of 8-bit pixels, bit for bit, and torch's uint8 port of it: what transformers'
 * CLIPImageProcessor resizes with (its `pil` backend calls `Image.resize(size, BICUBIC)`; its `torchvision` backend,
 * the default when torchvision is installed, calls `resize(uint8, BICUBIC, antialias=True)`). Both are
 * libImaging/Resample.c: per output pixel, filter weights in double normalized by their sum, rounded to fixed point;
 * a horizontal pass into an 8-bit image, then a vertical one, each adding half, shifting down and clipping to 0..255.
 * They differ in the fixed point: Pillow keeps 22 fraction bits, torch fits the axis's weights into int16 (14 to
 * 16 bits), so about one value in a thousand comes out a level apart (1% when upscaling). sharp's cubic, the same
 * curve placed and rounded otherwise, was 0.1 levels off on average shrinking 512² and 6 to 17 enlarging small images.
 */

/** One flavour of the resampler: its kernel (evaluated as its source writes it) and its weights' fraction bits. */
interface Flavour {
  filter(x: number): number;
  /** Fraction bits for an axis whose largest normalized weight is `maxWeight`. */
  precision(maxWeight: number): number;
}

/** Keys' cubic with a = −0.5, the support (in source pixels at scale 1) of both flavours. */
const A = -0.5;
const SUPPORT = 2;

/** Pillow: `bicubic_filter`, and PRECISION_BITS = 32 − 8 − 2 (8 for the pixel, 2 for the negative lobes' overshoot). */
const PILLOW: Flavour = {
  filter(x) {
    if (x < 0) x = -x;
    if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * A;
    return 0;
  },
  precision: () => 22,
};

/**
 * torch (aten/src/ATen/native/cpu/UpSampleKernel.cpp): `HelperInterpCubic::aa_filter` through
 * `cubic_convolution1/2`, and `_compute_index_ranges_int16_weights`: the most bits (up to 22) under which the largest
 * weight, doubled, still rounds below 2^15.
 */
const TORCH: Flavour = {
  filter(x) {
    x = Math.abs(x);
    if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
    if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    return 0;
  },
  precision(maxWeight) {
    let bits = 0;
    while (bits < 22 && Math.trunc(0.5 + maxWeight * 2 ** (bits + 1)) < 1 << 15) bits++;
    return bits;
  },
};

/** The taps of one pass: output pixel i reads `count[i]` source pixels from `start[i]`, weights at `i * stride`. */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  stride: number;
  /** Fraction bits of `weights`. */
  bits: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc over the whole source span (torch computes the same). */
function taps(inSize: number, outSize: number, flavour: Flavour): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const invFilterScale = 1 / filterScale;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const real = new Float64Array(outSize * stride);
  let maxWeight = 0;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    // C's (int) truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < n; x++) {
      const w = flavour.filter((x + xmin - center + 0.5) * invFilterScale);
      real[i * stride + x] = w;
      sum += w;
    }
    if (sum !== 0) {
      for (let x = 0; x < n; x++) {
        const w = real[i * stride + x]! / sum;
        real[i * stride + x] = w;
        if (w > maxWeight) maxWeight = w;
      }
    }
    start[i] = xmin;
    count[i] = n;
  }
  const bits = flavour.precision(maxWeight);
  const one = 2 ** bits;
  const weights = new Int32Array(real.length);
  for (let j = 0; j < real.length; j++) {
    const v = real[j]! * one;
    weights[j] = Math.trunc(v < 0 ? -0.5 + v : 0.5 + v);
  }
  return { start, count, weights, stride, bits };
}

/** The accumulator (which started at half) shifted down and clipped to a byte. Sums stay inside int32. */
function clip8(sum: number, bits: number): number {
  const v = sum >> bits;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resamples rows `rowFirst`..`rowFirst + rows` of `src` to `t.start.length` columns. */
function horizontal(src: Uint8Array, width: number, rowFirst: number, rows: number, channels: number, t: Taps): Uint8Array {
  const { start, count, weights, stride, bits } = t;
  const outWidth = start.length;
  const half = 2 ** (bits - 1);
  const out = new Uint8Array(outWidth * rows * channels);
  for (let y = 0; y < rows; y++) {
    const line = (y + rowFirst) * width * channels;
    const outLine = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const n = count[x]!;
      const k0 = x * stride;
      const p0 = line + start[x]! * channels;
      for (let c = 0; c < channels; c++) {
        let sum = half;
        for (let j = 0, p = p0 + c; j < n; j++, p += channels) sum += src[p]! * weights[k0 + j]!;
        out[outLine + x * channels + c] = clip8(sum, bits);
      }
    }
  }
  return out;
}

/** Resamples the columns of `src` (`width` wide, its row 0 being source row `rowOffset`) to `t.start.length` rows. */
function vertical(src: Uint8Array, width: number, channels: number, t: Taps, rowOffset = 0): Uint8Array {
  const { start, count, weights, stride, bits } = t;
  const outHeight = start.length;
  const half = 2 ** (bits - 1);
  const rowLength = width * channels;
  const out = new Uint8Array(rowLength * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const n = count[y]!;
    const k0 = y * stride;
    const first = (start[y]! - rowOffset) * rowLength;
    const outLine = y * rowLength;
    for (let i = 0; i < rowLength; i++) {
      let sum = half;
      for (let j = 0, p = first + i; j < n; j++, p += rowLength) sum += src[p]! * weights[k0 + j]!;
      out[outLine + i] = clip8(sum, bits);
    }
  }
  return out;
}

function resize(flavour: Flavour, data: Uint8Array, width: number, height: number, outWidth: number, outHeight: number, channels: number): Uint8Array {
  if (data.length !== width * height * channels) throw new RangeError(`Expected ${width}×${height}×${channels} = ${width * height * channels} bytes, got ${data.length}`);
  if (!(Number.isInteger(outWidth) && Number.isInteger(outHeight) && outWidth >= 1 && outHeight >= 1)) throw new RangeError(`Cannot resize to ${outWidth}×${outHeight}`);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  // A dimension that does not change is not resampled (a pass at scale 1 would still blur).
  if (!needVertical) return needHorizontal ? horizontal(data, width, 0, height, channels, taps(width, outWidth, flavour)) : Uint8Array.from(data);
  const vt = taps(height, outHeight, flavour);
  if (!needHorizontal) return vertical(data, width, channels, vt);
  // Only the source rows the vertical pass reads go through the horizontal one (Pillow's ybox; same result).
  const rowFirst = vt.start[0]!;
  const rowLast = vt.start[outHeight - 1]! + vt.count[outHeight - 1]!;
  const h = horizontal(data, width, rowFirst, rowLast - rowFirst, channels, taps(width, outWidth, flavour));
  return vertical(h, outWidth, channels, vt, rowFirst);
}

/**
 * `Image.resize((outWidth, outHeight), Image.BICUBIC)` of an interleaved 8-bit image, `channels` bytes a pixel, each
 * channel resampled alone as Pillow does for L, RGB and RGBX (RGBA, which Pillow premultiplies, is not this).
 */
export function resizeBicubicPil(data: Uint8Array, width: number, height: number, outWidth: number, outHeight: number, channels = 3): Uint8Array {
  // Image.resize takes the vertical pass first for an image over 100 times taller than wide that gets shorter.
  if (height > width * 100 && outHeight < height) {
    const v = resize(PILLOW, data, width, height, width, outHeight, channels);
    return resize(PILLOW, v, width, outHeight, outWidth, outHeight, channels);
  }
  return resize(PILLOW, data, width, height, outWidth, outHeight, channels);
}

/** torchvision's `resize(uint8 CHW tensor, [outHeight, outWidth], BICUBIC, antialias=True)` on the CPU, interleaved. */
export function resizeBicubicTorch(data: Uint8Array, width: number, height: number, outWidth: number, outHeight: number, channels = 3): Uint8Array {
  return resize(TORCH, data, width, height, outWidth, outHeight, channels);
}
