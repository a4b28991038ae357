import sharp, { type Metadata, type SharpOptions } from "sharp";
import { ImageInputError, formatBytes } from "./errors.ts";
import { sniffFormat, type RasterFormat } from "./sniff-format.ts";

/** An 8-bit sRGB image without alpha: what every stage of the pipeline hands on. */
export interface RgbImage {
  /** Raw RGB8, row-major, `width * height * 3` bytes. */
  data: Buffer;
  width: number;
  height: number;
}

/** Limits applied to an untrusted input before its pixels are decoded. */
export interface DecodeOptions {
  /**
   * Largest accepted width × height (after reading the header, before decoding any pixel).
   * @default 40_000_000
   */
  maxInputPixels?: number;
  /** Largest accepted file size in bytes. @default no limit (the caller usually caps downloads already) */
  maxBytes?: number;
  /**
   * The size the image will be resized to, given its (oriented) size: a JPEG much larger than that is decoded at
   * 1/2, 1/4 or 1/8 scale by libjpeg's DCT scaling (shrink-on-load, several times cheaper than a full decode), still
   * keeping at least twice the target on each side so the final resize sees detail. Other formats decode in full.
   * @default full decode
   */
  shrinkOnLoadFor?: (width: number, height: number) => { width: number; height: number };
}

/** Largest JPEG DCT-scaling factor first; libjpeg decodes at 1/8, 1/4 or 1/2 of the full size. */
const JPEG_SHRINK_FACTORS = [8, 4, 2] as const;

/** Default for {@link DecodeOptions.maxInputPixels}: 40 megapixels, far above any phone camera's output. */
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;

const SUPPORTED = "send a PNG, JPEG, WebP, AVIF or GIF image";

/** What sharp's metadata calls each format we accept. */
const SHARP_FORMAT: Record<RasterFormat, Metadata["format"]> = {
  png: "png",
  jpeg: "jpeg",
  webp: "webp",
  gif: "gif",
  avif: "heif",
};

const FORMAT_LABELS: Record<string, string> = {
  png: "PNG",
  jpeg: "JPEG",
  webp: "WebP",
  gif: "GIF",
  avif: "AVIF",
  svg: "SVG",
  pdf: "PDF",
  postscript: "PostScript",
  tiff: "TIFF",
  bmp: "BMP",
  psd: "Photoshop",
  jxl: "JPEG XL",
  jpeg2000: "JPEG 2000",
  heic: "HEIC",
};

/**
 * Decodes an untrusted image file into 8-bit sRGB pixels, refusing hostile input before decoding it.
 *
 * Checks, in order, each failing with an {@link ImageInputError} whose message users can read:
 * 0 bytes (`empty`), more than `maxBytes` (`too-large`), magic bytes of no known image (`not-an-image`),
 * SVG, PDF and other formats off the allow-list (`unsupported-format`, never handed to a decoder),
 * a header whose width × height exceeds `maxInputPixels` (`too-many-pixels`, before any pixel is
 * decoded), and pixel data that is cut short or corrupt (`truncated`).
 *
 * The pixels then have their EXIF orientation applied, are converted from CMYK, greyscale, 16-bit
 * or palette to 8-bit sRGB, and any alpha is flattened onto white. Animated GIF and WebP give their
 * first frame. The same bytes always decode to the same pixels.
 *
 * @example
 * const { data, width, height, format } = await decodeImage(await readFile("in.jpg"));
 */
export async function decodeImage(bytes: Buffer | Uint8Array, opts: DecodeOptions = {}): Promise<RgbImage & { format: string }> {
  const maxInputPixels = opts.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  if (!Number.isSafeInteger(maxInputPixels) || maxInputPixels <= 0) {
    throw new RangeError(`Expected \`maxInputPixels\` to be a positive integer, got \`${maxInputPixels}\` (${typeof maxInputPixels})`);
  }
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // 1. Size, before looking inside.
  if (input.length === 0) throw new ImageInputError("empty", "The file is empty.");
  if (opts.maxBytes !== undefined && input.length > opts.maxBytes) {
    throw new ImageInputError("too-large", `This file is ${formatBytes(input.length)}; the limit is ${formatBytes(opts.maxBytes)}.`);
  }

  // 2. Format, from magic bytes: only allow-listed formats reach libvips at all.
  const sniffed = sniffFormat(input);
  if (sniffed.kind === "unknown") throw new ImageInputError("not-an-image", `This file is not an image; ${SUPPORTED}.`);
  if (sniffed.kind === "unsupported") {
    const label = FORMAT_LABELS[sniffed.format] ?? sniffed.format.toUpperCase();
    throw new ImageInputError("unsupported-format", `${label} files are not supported; ${SUPPORTED}.`);
  }
  const format = sniffed.format;

  const sharpOptions: SharpOptions = {
    // "error" also refuses corrupt data, not just a premature end; warnings (common in camera JPEGs) pass.
    failOn: "error",
    limitInputPixels: maxInputPixels,
    autoOrient: true,
    pages: 1,
    page: 0,
  };

  // 3. Header only: dimensions are checked before any pixel data is decoded.
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { ...sharpOptions, limitInputPixels: false }).metadata();
  } catch (cause) {
    throw damaged(format, cause);
  }
  if (metadata.format !== SHARP_FORMAT[format] || (format === "avif" && metadata.compression !== "av1")) {
    throw new ImageInputError("unsupported-format", `This file's contents do not match its ${FORMAT_LABELS[format]} header; ${SUPPORTED}.`);
  }
  if (metadata.width * metadata.height > maxInputPixels) {
    throw new ImageInputError(
      "too-many-pixels",
      `This image is ${metadata.width}×${metadata.height} pixels; the limit is ${formatPixelCount(maxInputPixels)}.`,
    );
  }

  // 4. Pixels: oriented, sRGB, 8-bit, alpha flattened onto white, 3 channels; big JPEGs shrunk on load.
  const oriented = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
  const target = opts.shrinkOnLoadFor?.(oriented.width, oriented.height);
  const shrink = format === "jpeg" && target ? jpegShrinkFactor(oriented, target) : 1;
  try {
    let pipeline = sharp(input, sharpOptions);
    if (shrink > 1) {
      const size = { width: Math.ceil(oriented.width / shrink), height: Math.ceil(oriented.height / shrink) };
      pipeline = pipeline.resize({ ...size, fit: "fill", fastShrinkOnLoad: true });
    }
    const { data, info } = await pipeline
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`Expected 3 channels after conversion, got ${info.channels}`);
    return { data, width: info.width, height: info.height, format };
  } catch (cause) {
    throw damaged(format, cause);
  }
}

/** The largest DCT-scaling factor that keeps at least twice the target on each side (1: decode in full). */
function jpegShrinkFactor(source: { width: number; height: number }, target: { width: number; height: number }): number {
  const room = Math.min(source.width / (2 * target.width), source.height / (2 * target.height));
  return JPEG_SHRINK_FACTORS.find((factor) => factor <= room) ?? 1;
}

function damaged(format: RasterFormat, cause: unknown): ImageInputError {
  return new ImageInputError("truncated", `This ${FORMAT_LABELS[format]} file is incomplete or damaged and cannot be read.`, { cause });
}

/** 40_000_000 → "40 megapixels", 1_500_000 → "1.5 megapixels", 1536 → "1536 pixels". */
function formatPixelCount(pixels: number): string {
  return pixels >= 100_000 ? `${Number((pixels / 1_000_000).toFixed(2))} megapixels` : `${pixels} pixels`;
}
