import sharp from "sharp";
import { decodeImage, type RgbImage } from "./decode-image.ts";
import { UploadLimitError } from "./errors.ts";
import { encodePng } from "./png-parameters.ts";
import { readPngText } from "./png-text-chunks.ts";

/** A file ready to upload. */
export interface FittedUpload {
  data: Buffer;
  contentType: "image/png" | "image/webp" | "image/jpeg";
  /** `<basename>.png`, `.webp` or `.jpg`. */
  filename: string;
  /** Whether the pixels were scaled down to fit. */
  downscaled: boolean;
}

/** Options of {@link fitToByteLimit}. */
export interface FitUploadOptions {
  /** File name without extension. @default "image" */
  basename?: string;
}

/** PNG downscaling stops here (long side, pixels); below it a lossy format keeps more detail. */
const MIN_PNG_SIDE = 256;
/** The smallest JPEG worth sending (long side, pixels). */
const MIN_JPEG_SIDE = 32;
/** File size shrinks roughly with pixel count; aim a little under the limit so one retry usually does. */
const HEADROOM = 0.95;
/** Our own outputs are far smaller; this only keeps a wrong input from exhausting memory. */
const MAX_PIXELS = 100_000_000;

/**
 * Makes a PNG fit an upload limit (Discord's: 10 MiB by default, smaller on some servers), trying
 * in order, and returning the first that fits:
 * 1. the PNG as it is;
 * 2. the same pixels recompressed harder (zlib 9, adaptive filtering), `parameters` chunk kept;
 * 3. the PNG scaled down (Lanczos 3), `parameters` chunk kept, down to a long side of 256 px;
 * 4. as a last resort, at full size lossless WebP, then JPEG quality 95, then JPEG scaled down.
 *    These lose the `parameters` chunk: the caller still has the parameters to show.
 *
 * It never returns more than `limitBytes`.
 *
 * @throws UploadLimitError when even a tiny JPEG does not fit (a limit of a few kilobytes).
 * @example
 * const file = await fitToByteLimit(png, interaction.attachmentSizeLimit);
 */
export async function fitToByteLimit(png: Buffer, limitBytes: number, opts: FitUploadOptions = {}): Promise<FittedUpload> {
  if (!Number.isSafeInteger(limitBytes) || limitBytes <= 0) {
    throw new RangeError(`Expected \`limitBytes\` to be a positive integer, got \`${limitBytes}\` (${typeof limitBytes})`);
  }
  const basename = opts.basename ?? "image";
  const fits = (data: Buffer) => data.length <= limitBytes;
  const result = (data: Buffer, type: "png" | "webp" | "jpeg", downscaled: boolean): FittedUpload => ({
    data,
    contentType: `image/${type}`,
    filename: `${basename}.${type === "jpeg" ? "jpg" : type}`,
    downscaled,
  });

  // 1. As it is.
  if (fits(png)) return result(png, "png", false);

  const image = await decodeImage(png, { maxInputPixels: MAX_PIXELS });
  const parameters = readPngText(png).parameters;
  const pngOf = (img: RgbImage) => encodePng(img, parameters, { compressionLevel: 9, adaptiveFiltering: true });

  // 2. Harder compression, same pixels.
  const png9 = await pngOf(image);
  if (fits(png9)) return result(png9, "png", false);

  // 3. Smaller PNGs.
  const smallPng = await shrinkToFit(image, png9.length, limitBytes, MIN_PNG_SIDE, pngOf);
  if (smallPng.data) return result(smallPng.data, "png", true);

  // 4. Last resort: other formats.
  const webp = await rawSharp(image).webp({ lossless: true }).toBuffer();
  if (fits(webp)) return result(webp, "webp", false);
  const jpegOf = (img: RgbImage) => rawSharp(img).jpeg({ quality: 95 }).toBuffer();
  const jpeg = await jpegOf(image);
  if (fits(jpeg)) return result(jpeg, "jpeg", false);
  const smallJpeg = await shrinkToFit(image, jpeg.length, limitBytes, MIN_JPEG_SIDE, jpegOf);
  if (smallJpeg.data) return result(smallJpeg.data, "jpeg", true);
  throw new UploadLimitError(limitBytes, Math.min(smallPng.smallest, webp.length, smallJpeg.smallest));
}

/**
 * Encodes ever smaller copies of `image` (each scaled from the original) until one fits, trying
 * `minSide` (long side) last. Returns that file, or the size of the smallest one tried.
 */
async function shrinkToFit(
  image: RgbImage,
  fullSizeBytes: number,
  limitBytes: number,
  minSide: number,
  encode: (image: RgbImage) => Promise<Buffer>,
): Promise<{ data?: Buffer; smallest: number }> {
  const minScale = Math.min(1, minSide / Math.max(image.width, image.height));
  let smallest = fullSizeBytes;
  let lastBytes = fullSizeBytes;
  for (let scale = 1; scale > minScale; ) {
    scale = Math.max(minScale, nextScale(scale, lastBytes, limitBytes));
    const data = await encode(await scaled(image, scale));
    if (data.length <= limitBytes) return { data, smallest: data.length };
    lastBytes = data.length;
    smallest = Math.min(smallest, lastBytes);
  }
  return { smallest };
}

/** The next, smaller scale: proportional to how far over the limit the last try was, and at least 10 % smaller. */
function nextScale(scale: number, lastBytes: number, limitBytes: number): number {
  return scale * Math.min(0.9, Math.sqrt(limitBytes / lastBytes) * HEADROOM);
}

async function scaled(image: RgbImage, scale: number): Promise<RgbImage> {
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = await rawSharp(image).resize(width, height, { fit: "fill" }).raw().toBuffer();
  return { data, width, height };
}

function rawSharp(image: RgbImage) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}
