import type { RgbImage } from "./decode-image.ts";

/**
 * An RGB8 image as the VAE encoder's input: NCHW `[1, 3, height, width]` float32 in [-1, 1].
 * Same arithmetic as diffusers' image processor (`x / 255` in float32, then `2x − 1`), so the
 * values match bit for bit.
 */
export function imageToTensor(image: RgbImage): Float32Array {
  const { data, width, height } = image;
  const plane = width * height;
  if (data.length !== plane * 3) throw new RangeError(`Expected ${plane * 3} bytes for a ${width}×${height} RGB image, got ${data.length}`);
  const tensor = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      // Storing into the Float32Array rounds 2x − 1 once, as float32 arithmetic would.
      tensor[c * plane + i] = 2 * Math.fround(data[i * 3 + c]! / 255) - 1; // length checked above
    }
  }
  return tensor;
}

/**
 * The VAE decoder's NCHW `[1, 3, height, width]` output back to RGB8, as diffusers does it:
 * `clip(x / 2 + 0.5, 0, 1) * 255` in float32, rounded half to even (numpy's `round`).
 */
export function tensorToImage(tensor: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  if (tensor.length !== plane * 3) throw new RangeError(`Expected ${plane * 3} values for a [1, 3, ${height}, ${width}] tensor, got ${tensor.length}`);
  const data = Buffer.alloc(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const x = tensor[c * plane + i]!; // length checked above
      // NaN (a broken model) becomes 0 rather than poisoning the image.
      const unit = Number.isNaN(x) ? 0 : Math.min(1, Math.max(0, Math.fround(x / 2 + 0.5)));
      data[i * 3 + c] = roundHalfToEven(Math.fround(unit * 255));
    }
  }
  return { data, width, height };
}

function roundHalfToEven(value: number): number {
  const rounded = Math.round(value);
  return rounded - value === 0.5 && rounded % 2 === 1 ? rounded - 1 : rounded;
}
