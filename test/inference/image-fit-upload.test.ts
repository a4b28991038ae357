import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import type { RgbImage } from "../../src/inference/image/decode-image.ts";
import { UploadLimitError } from "../../src/inference/image/errors.ts";
import { fitToByteLimit } from "../../src/inference/image/fit-upload.ts";
import { encodePng, formatParameters, type GenerationParameters } from "../../src/inference/image/png-parameters.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { noise } from "../helpers/hostile-images.ts";

const parameters: GenerationParameters = { prompt: "static", steps: 20, sampler: "DDIM", cfgScale: 7.5, seed: 1, width: 1024, height: 1024 };

async function rawOf(png: Buffer): Promise<Buffer> {
  return sharp(png).raw().toBuffer();
}

describe("fitToByteLimit on a noisy 1024×1024 PNG (incompressible, about 3 MB)", () => {
  let png: Buffer;
  before(async () => {
    const image: RgbImage = { data: await noise(1024, 1024).raw().toBuffer(), width: 1024, height: 1024 };
    png = await encodePng(image, parameters);
    assert.ok(png.length > 3_000_000, `noise is incompressible: ${png.length} bytes`);
  });

  test("a file under the limit comes back untouched", async () => {
    const out = await fitToByteLimit(png, png.length);
    assert.equal(out.data, png);
    assert.deepEqual([out.contentType, out.filename, out.downscaled], ["image/png", "image.png", false]);
  });

  test("a 1 MiB limit gives a smaller PNG that keeps its parameters chunk and its aspect ratio", async () => {
    const out = await fitToByteLimit(png, 1024 * 1024, { basename: "reroll-42" });
    assert.ok(out.data.length <= 1024 * 1024, `${out.data.length} bytes`);
    assert.deepEqual([out.contentType, out.filename, out.downscaled], ["image/png", "reroll-42.png", true]);
    assert.equal(readPngText(out.data).parameters, formatParameters(parameters));
    const { width, height } = await sharp(out.data, { failOn: "warning" }).metadata();
    assert.equal(width, height);
    assert.ok(width >= 256 && width < 1024, `downscaled to ${width}`);
  });

  test("a 100 KB limit, too small for a 256 px PNG of noise, falls back to a downscaled JPEG", async () => {
    const out = await fitToByteLimit(png, 100_000);
    assert.ok(out.data.length <= 100_000, `${out.data.length} bytes`);
    assert.deepEqual([out.contentType, out.filename, out.downscaled], ["image/jpeg", "image.jpg", true]);
    const { format, width, height } = await sharp(out.data).metadata();
    assert.equal(format, "jpeg");
    assert.equal(width, height);
  });

  test("a limit no JPEG can meet is a clear error, never an oversized file", async () => {
    await assert.rejects(fitToByteLimit(png, 100), (error: unknown) => {
      assert.ok(error instanceof UploadLimitError);
      assert.equal(error.limitBytes, 100);
      assert.ok(error.smallestBytes > 100 && error.smallestBytes < 2000, `smallest tried: ${error.smallestBytes}`);
      assert.match(error.message, /^The result image could not be made smaller than \d+ bytes; the upload limit is 100 bytes\.$/);
      return true;
    });
    await assert.rejects(fitToByteLimit(png, 0), RangeError);
  });
});

describe("fitToByteLimit before it downscales", () => {
  test("harder PNG compression alone can be enough, keeping every pixel", async () => {
    const data = Buffer.alloc(256 * 256 * 3);
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) data.set([x, y, (x * y) >> 8], (y * 256 + x) * 3);
    const png = await encodePng({ data, width: 256, height: 256 }, parameters);
    assert.ok(png.length > 20_000, `default compression leaves ${png.length} bytes`);
    const out = await fitToByteLimit(png, 20_000);
    assert.deepEqual([out.contentType, out.downscaled], ["image/png", false]);
    assert.deepEqual(await rawOf(out.data), data);
    assert.equal(readPngText(out.data).parameters, formatParameters(parameters));
  });

  test("lossless WebP comes before any lossy format, keeping every pixel", async () => {
    // Noise that repeats after 128 rows (96 KB), beyond deflate's 32 KB window but not WebP's.
    const half = await noise(256, 128).raw().toBuffer();
    const data = Buffer.concat([half, half]);
    const png = await encodePng({ data, width: 256, height: 256 }, parameters);
    const out = await fitToByteLimit(png, 150_000);
    assert.ok(png.length > 150_000 && out.data.length <= 150_000);
    assert.deepEqual([out.contentType, out.filename, out.downscaled], ["image/webp", "image.webp", false]);
    assert.deepEqual(await rawOf(out.data), data);
  });
});
