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
  let attempt = await pngOf(image);
  if (fits(attempt)) return result(attempt, "png", false);

  // 3. Smaller PNGs, each scaled from the original.
  let smallest = attempt.length;
  for (let scale = 1; ; ) {
    scale = nextScale(scale, attempt.length, limitBytes);
    if (longSide(image, scale) < MIN_PNG_SIDE) break;
    attempt = await pngOf(await scaled(image, scale));
    smallest = Math.min(smallest, attempt.length);
    if (fits(attempt)) return result(attempt, "png", true);
  }

  // 4. Last resort: other formats.
  const webp = await rawSharp(image).webp({ lossless: true }).toBuffer();
  if (fits(webp)) return result(webp, "webp", false);
  const jpegOf = (img: RgbImage) => rawSharp(img).jpeg({ quality: 95 }).toBuffer();
  attempt = await jpegOf(image);
  smallest = Math.min(smallest, webp.length, attempt.length);
  if (fits(attempt)) return result(attempt, "jpeg", false);
  for (let scale = 1; ; ) {
    scale = nextScale(scale, attempt.length, limitBytes);
    if (longSide(image, scale) < MIN_JPEG_SIDE) break;
    attempt = await jpegOf(await scaled(image, scale));
    smallest = Math.min(smallest, attempt.length);
    if (fits(attempt)) return result(attempt, "jpeg", true);
  }
  throw new UploadLimitError(limitBytes, smallest);
}

/** The next, smaller scale: proportional to how far over the limit the last try was, and at least 10 % smaller. */
function nextScale(scale: number, lastBytes: number, limitBytes: number): number {
  return scale * Math.min(0.9, Math.sqrt(limitBytes / lastBytes) * HEADROOM);
}

function longSide(image: RgbImage, scale: number): number {
  return Math.max(image.width, image.height) * scale;
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
