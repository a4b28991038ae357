/**
 * A corpus of good and hostile image files, generated here with sharp or by hand (never downloaded),
 * for the image tests and for the bot's tests of refused uploads.
 */
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import type { ImageInputError } from "../../src/inference/image/errors.ts";

/** One corpus file and what decoding it must do. */
export interface HostileImage {
  bytes: Buffer;
  /** "ok", or the code of the {@link ImageInputError} it must be refused with. */
  expect: "ok" | ImageInputError["code"];
  /** For "ok" entries: the size the decoded image must have (after EXIF orientation). */
  decoded?: { width: number; height: number };
}

/** Quadrant colours of {@link colourQuadrants}: top-left, top-right, bottom-left, bottom-right. */
export const QUADRANT_COLOURS = {
  topLeft: [255, 0, 0],
  topRight: [0, 255, 0],
  bottomLeft: [0, 0, 255],
  bottomRight: [255, 255, 255],
} as const;

/** Raw RGB8 pixels split into four coloured quadrants, so tests can see where each part went. */
export function colourQuadrants(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = y < height / 2;
      const left = x < width / 2;
      const colour = top ? (left ? QUADRANT_COLOURS.topLeft : QUADRANT_COLOURS.topRight) : left ? QUADRANT_COLOURS.bottomLeft : QUADRANT_COLOURS.bottomRight;
      data.set(colour, (y * width + x) * 3);
    }
  }
  return data;
}

/**
 * Builds the corpus. Keys name the case; sizes are small so the whole set takes well under a second.
 * AVIF is included only where this sharp build can encode it.
 */
export async function makeHostileImages(): Promise<Record<string, HostileImage>> {
  const width = 48;
  const height = 32;
  const rgb = () => sharp(colourQuadrants(width, height), { raw: { width, height, channels: 3 } });
  const ok = (bytes: Buffer, size = { width, height }): HostileImage => ({ bytes, expect: "ok", decoded: size });
  const png = await rgb().png().toBuffer();
  const jpeg = await rgb().jpeg({ quality: 95 }).toBuffer();
  // Noise compresses badly, so cutting these at 60 % lands in the pixel data, past a valid header.
  const noisyPng = await noise(64, 64).png().toBuffer();
  const noisyJpeg = await noise(64, 64).jpeg({ quality: 95 }).toBuffer();

  const corpus: Record<string, HostileImage> = {
    png: ok(png),
    jpeg: ok(jpeg),
    webp: ok(await rgb().webp({ quality: 95 }).toBuffer()),
    "gif-animated": ok(await twoFrames().gif().toBuffer(), { width: 16, height: 16 }),
    "webp-animated": ok(await twoFrames().webp({ lossless: true }).toBuffer(), { width: 16, height: 16 }),
    "png-palette": ok(await rgb().png({ palette: true }).toBuffer()),
    "png-16bit": ok(await rgb().toColourspace("rgb16").png().toBuffer()),
    "png-rgba": ok(await halfTransparent(width, height).png().toBuffer()),
    "png-greyscale": ok(await rgb().toColourspace("b-w").png().toBuffer()),
    "jpeg-cmyk": ok(await rgb().toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer()),
    // Orientation 6: stored 48×32, shown rotated 90° clockwise as 32×48.
    "jpeg-exif-rotated": ok(await rgb().withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer(), { width: height, height: width }),

    empty: { bytes: Buffer.alloc(0), expect: "empty" },
    text: { bytes: Buffer.from("This is a text file, not a picture.\n"), expect: "not-an-image" },
    html: { bytes: Buffer.from("<!doctype html><html><body><img src=x></body></html>"), expect: "not-an-image" },
    "png-truncated": { bytes: noisyPng.subarray(0, Math.floor(noisyPng.length * 0.6)), expect: "truncated" },
    "jpeg-truncated": { bytes: noisyJpeg.subarray(0, Math.floor(noisyJpeg.length * 0.6)), expect: "truncated" },
    "png-signature-only": { bytes: png.subarray(0, 8), expect: "truncated" },
    "png-bomb": { bytes: decompressionBombPng(30_000, 30_000), expect: "too-many-pixels" },
    svg: { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'), expect: "unsupported-format" },
    "svg-external-ref": {
      bytes: Buffer.from(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">' +
          '<image xlink:href="http://127.0.0.1:9/secret.png" width="10" height="10"/></svg>',
      ),
      expect: "unsupported-format",
    },
    pdf: { bytes: Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), expect: "unsupported-format" },
    tiff: { bytes: await rgb().tiff().toBuffer(), expect: "unsupported-format" },
  };

  const avif = await rgb().avif({ quality: 90 }).toBuffer().catch(() => undefined);
  if (avif) corpus.avif = ok(avif);
  return corpus;
}

/** Two 16×16 frames: red, then blue. */
function twoFrames() {
  const frame = 16 * 16 * 3;
  const data = Buffer.alloc(frame * 2);
  for (let i = 0; i < frame; i += 3) {
    data.set([255, 0, 0], i);
    data.set([0, 0, 255], frame + i);
  }
  return sharp(data, { raw: { width: 16, height: 32, channels: 3, pageHeight: 16 } });
}

/** Deterministic RGB noise (a linear congruential generator; no randomness between runs). */
export function noise(width: number, height: number, seed = 1) {
  const data = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/** Left half opaque red, right half fully transparent black (which must come out white). */
function halfTransparent(width: number, height: number) {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width / 2; x++) data.set([255, 0, 0, 255], (y * width + x) * 4);
  }
  return sharp(data, { raw: { width, height, channels: 4 } });
}

/**
 * A PNG of a couple of hundred bytes whose IHDR claims `width`×`height` RGB pixels, with a tiny
 * IDAT of zeros: decoding it would need gigabytes.
 */
export function decompressionBombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  // compression, filter and interlace methods stay 0
  const rows = deflateSync(Buffer.alloc((1 + width * 3) * 4)); // four rows of zeros, filter type 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", rows),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}
