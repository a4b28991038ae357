import sharp from "sharp";
import type { RgbImage } from "./decode-image.ts";

/**
 * The source document's `crop_and_resize`: cut the largest centred region with the target's aspect
 * ratio out of `image`, then resize it (Lanczos 3) to exactly `width`×`height`. Nothing is stretched
 * and no border is added; what lies outside the centred region is lost.
 *
 * @example
 * const { width, height } = fitSize(decoded.width, decoded.height);
 * const input = await cropAndResize(decoded, width, height);
 */
export async function cropAndResize(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`Expected \`${name}\` to be a positive integer, got \`${value}\` (${typeof value})`);
    }
  }
  if (image.width === width && image.height === height) return { data: Buffer.from(image.data), width, height };

  const crop = centredCrop(image.width, image.height, width / height);
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract(crop)
    .resize(width, height, { fit: "fill" })
    .raw()
    .toBuffer();
  return { data, width, height };
}

/** The largest region with aspect ratio `aspect` (width / height) centred in a `width`×`height` image. */
export function centredCrop(width: number, height: number, aspect: number): { left: number; top: number; width: number; height: number } {
  if (width / height > aspect) {
    const cropWidth = Math.max(1, Math.min(width, Math.round(height * aspect)));
    return { left: Math.floor((width - cropWidth) / 2), top: 0, width: cropWidth, height };
  }
  const cropHeight = Math.max(1, Math.min(height, Math.round(width / aspect)));
  return { left: 0, top: Math.floor((height - cropHeight) / 2), width, height: cropHeight };
}
