import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import { cropAndResize } from "../../src/inference/image/crop-and-resize.ts";
import { decodeImage } from "../../src/inference/image/decode-image.ts";
import { fitSize } from "../../src/inference/image/target-size.ts";

/** A 12-megapixel photo-like JPEG: smooth gradients with a few sharp-edged shapes. */
async function bigJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = 128 + 100 * Math.sin(x / 300) * Math.cos(y / 200);
    }
  }
  const shapes = Buffer.from(
    `<svg width="${width}" height="${height}"><rect x="800" y="600" width="900" height="700" fill="#102040"/>` +
      `<circle cx="2800" cy="1800" r="500" fill="#f0e0a0"/></svg>`,
  );
  return sharp(pixels, { raw: { width, height, channels: 3 } }).composite([{ input: shapes }]).jpeg({ quality: 90 }).toBuffer();
}

describe("JPEG shrink-on-load", () => {
  test("a 12 MP JPEG for a 512² target decodes smaller, and crops to within a level of the full decode", async () => {
    const jpeg = await bigJpeg(4000, 3000);
    const target = (w: number, h: number) => fitSize(w, h, { multiple: 64 });
    const full = await decodeImage(jpeg);
    const seen: number[][] = [];
    const shrunk = await decodeImage(jpeg, { shrinkOnLoadFor: (w, h) => (seen.push([w, h]), target(w, h)) });
    assert.deepEqual(seen, [[4000, 3000]], "asked with the source's own size");
    const { width, height } = target(4000, 3000);
    // At least twice the target on each side is kept, and less than the full image is decoded.
    assert.ok(shrunk.width >= 2 * width && shrunk.height >= 2 * height, `${shrunk.width}×${shrunk.height}`);
    assert.ok(shrunk.width < full.width && shrunk.height < full.height, `${shrunk.width}×${shrunk.height}`);
    const [a, b] = [await cropAndResize(full, width, height), await cropAndResize(shrunk, width, height)];
    let sum = 0;
    let over = 0;
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i]! - b.data[i]!);
      sum += d;
      if (d > 1) over++;
    }
    assert.ok(sum / a.data.length <= 1, `mean difference ${sum / a.data.length}`);
    assert.ok(over / a.data.length < 0.02, `${over} values differ by more than one level`);
  });

  test("images already near the target, and other formats, decode at full size", async () => {
    const small = await bigJpeg(1000, 750);
    const decoded = await decodeImage(small, { shrinkOnLoadFor: (w, h) => fitSize(w, h, { multiple: 64 }) });
    assert.deepEqual([decoded.width, decoded.height], [1000, 750]);
    const png = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: "#808080" } }).png().toBuffer();
    const fromPng = await decodeImage(png, { shrinkOnLoadFor: () => ({ width: 64, height: 64 }) });
    assert.deepEqual([fromPng.width, fromPng.height], [3000, 2000]);
  });
});
