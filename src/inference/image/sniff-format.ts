/** The raster formats Reroll decodes. */
export type RasterFormat = "png" | "jpeg" | "webp" | "gif" | "avif";

/** What the first bytes of a file say it is. */
export type SniffedFormat =
  | { kind: "raster"; format: RasterFormat }
  /** A known image or document format that Reroll refuses (vector, document or rarely used raster). */
  | { kind: "unsupported"; format: string }
  | { kind: "unknown" };

/**
 * Identifies a file from its magic bytes, before any decoder sees it.
 *
 * Reroll only hands sharp the formats on its allow-list: libvips would otherwise also
 * render SVG (which can reference external files) and open formats such as TIFF whose
 * loaders are rarely needed for a chat bot and widen the attack surface.
 */
export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  const ascii = (start: number, end: number) => Buffer.from(bytes.subarray(start, end)).toString("latin1");

  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return raster("png");
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return raster("jpeg");
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") return raster("gif");
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return raster("webp");
  if (ascii(4, 8) === "ftyp") {
    const brands = isoBrands(bytes);
    if (brands.includes("avif") || brands.includes("avis")) return raster("avif");
    return { kind: "unsupported", format: "heic" };
  }

  if (ascii(0, 5) === "%PDF-") return { kind: "unsupported", format: "pdf" };
  if (ascii(0, 4) === "%!PS" || startsWith(bytes, [0xc5, 0xd0, 0xd3, 0xc6])) return { kind: "unsupported", format: "postscript" };
  if (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*") return { kind: "unsupported", format: "tiff" };
  if (ascii(0, 2) === "BM" && bytes.length >= 10 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0 && bytes[9] === 0) {
    return { kind: "unsupported", format: "bmp" };
  }
  if (ascii(0, 4) === "8BPS") return { kind: "unsupported", format: "psd" };
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(4, 8) === "JXL ") return { kind: "unsupported", format: "jxl" };
  if (ascii(4, 8) === "jP  " || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) return { kind: "unsupported", format: "jpeg2000" };
  if (looksLikeSvg(bytes)) return { kind: "unsupported", format: "svg" };
  return { kind: "unknown" };
}

function raster(format: RasterFormat): SniffedFormat {
  return { kind: "raster", format };
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

/** Major and compatible brands of an ISO-BMFF `ftyp` box (AVIF, HEIC). */
function isoBrands(bytes: Uint8Array): string[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxSize = Math.min(view.length >= 4 ? view.readUInt32BE(0) : 0, view.length, 256);
  const brands = [view.toString("latin1", 8, 12)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(view.toString("latin1", offset, offset + 4));
  return brands;
}

/** Markup that starts like XML or SVG and names an `<svg` element early on. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString("utf8").replace(/^\uFEFF/, "").trimStart();
  return head.startsWith("<") && /<svg[\s>/]/i.test(head);
}
