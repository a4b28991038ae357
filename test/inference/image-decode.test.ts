import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { decodeImage, type RgbImage } from "../../src/inference/image/decode-image.ts";
import { ImageInputError } from "../../src/inference/image/errors.ts";
import { makeHostileImages, QUADRANT_COLOURS, type HostileImage } from "../helpers/hostile-images.ts";

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [...image.data.subarray(i, i + 3)];
}

function assertNear(actual: number[], expected: readonly number[], tolerance: number, what: string): void {
  const ok = actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);
  assert.ok(ok, `${what}: expected ${JSON.stringify(expected)} ± ${tolerance}, got ${JSON.stringify(actual)}`);
}

describe("decodeImage on the hostile-image corpus", () => {
  let corpus: Record<string, HostileImage>;
  before(async () => {
    corpus = await makeHostileImages();
  });
  const entry = (name: string): HostileImage => {
    const found = corpus[name];
    assert.ok(found, `missing corpus entry ${name}`);
    return found;
  };

  test("the corpus holds every case the bot must handle", () => {
    for (const name of ["png", "jpeg", "webp", "gif-animated", "empty", "text", "png-truncated", "jpeg-truncated", "png-bomb", "svg", "jpeg-cmyk", "png-16bit", "png-rgba", "jpeg-exif-rotated", "png-greyscale"]) {
      assert.ok(corpus[name], `missing corpus entry ${name}`);
    }
    assert.ok(entry("png-bomb").bytes.length < 1024, "the bomb is a small file");
  });

  test("each entry decodes to RGB8 of the expected size, or is refused with the expected code", async () => {
    for (const [name, entry] of Object.entries(corpus)) {
      if (entry.expect === "ok") {
        const image = await decodeImage(entry.bytes);
        assert.deepEqual({ width: image.width, height: image.height }, entry.decoded, name);
        assert.equal(image.data.length, image.width * image.height * 3, `${name}: 3 bytes a pixel`);
      } else {
        await assert.rejects(decodeImage(entry.bytes), (error: unknown) => {
          assert.ok(error instanceof ImageInputError, `${name}: ${String(error)}`);
          assert.equal(error.code, entry.expect, `${name}: ${error.message}`);
          return true;
        });
      }
    }
  });

  test("the corpus files really are what their names say", async () => {
    const meta = async (name: string) => sharp(entry(name).bytes).metadata();
    assert.equal((await meta("jpeg-cmyk")).space, "cmyk");
    assert.equal((await meta("png-16bit")).depth, "ushort");
    assert.equal((await meta("png-greyscale")).channels, 1);
    assert.equal((await meta("png-rgba")).channels, 4);
    assert.equal((await meta("png-palette")).isPalette, true);
    assert.equal((await meta("jpeg-exif-rotated")).orientation, 6);
    assert.equal((await meta("gif-animated")).pages, 2);
    const bomb = await sharp(entry("png-bomb").bytes, { limitInputPixels: false }).metadata();
    assert.deepEqual([bomb.width, bomb.height], [30_000, 30_000]);
  });

  test("the decompression bomb is refused with a message that names its size and the limit", async () => {
    await assert.rejects(decodeImage(entry("png-bomb").bytes), {
      code: "too-many-pixels",
      message: "This image is 30000×30000 pixels; the limit is 40 megapixels.",
    });
  });

  test("SVG is refused as a format, not read, even when it references external files", async () => {
    await assert.rejects(decodeImage(entry("svg-external-ref").bytes), { code: "unsupported-format", message: /^SVG files are not supported/ });
  });

  test("EXIF orientation 6 is applied: sides swap and each quadrant turns 90° clockwise", async () => {
    const image = await decodeImage(entry("jpeg-exif-rotated").bytes);
    assert.deepEqual([image.width, image.height], [32, 48]);
    assertNear(pixel(image, 8, 12), QUADRANT_COLOURS.bottomLeft, 12, "top-left shows the stored bottom-left");
    assertNear(pixel(image, 24, 12), QUADRANT_COLOURS.topLeft, 12, "top-right shows the stored top-left");
    assertNear(pixel(image, 8, 36), QUADRANT_COLOURS.bottomRight, 12, "bottom-left shows the stored bottom-right");
    assertNear(pixel(image, 24, 36), QUADRANT_COLOURS.topRight, 12, "bottom-right shows the stored top-right");
  });

  test("alpha is flattened onto white", async () => {
    const image = await decodeImage(entry("png-rgba").bytes);
    assert.deepEqual(pixel(image, 5, 5), [255, 0, 0]);
    assert.deepEqual(pixel(image, 40, 5), [255, 255, 255]);
  });

  test("animated GIF and WebP give their first frame (red), not the second (blue)", async () => {
    for (const name of ["gif-animated", "webp-animated"]) {
      const image = await decodeImage(entry(name).bytes);
      assertNear(pixel(image, 8, 8), [255, 0, 0], 4, name);
    }
  });

  test("16-bit, palette and CMYK inputs come out as 8-bit sRGB of the same picture", async () => {
    const reference = await decodeImage(entry("png").bytes);
    assert.deepEqual(await decodeImage(entry("png-16bit").bytes).then((i) => i.data), reference.data);
    assert.deepEqual(await decodeImage(entry("png-palette").bytes).then((i) => i.data), reference.data);
    const cmyk = await decodeImage(entry("jpeg-cmyk").bytes);
    // CMYK goes through colour profiles, and pure sRGB green and blue lie outside CMYK's gamut, so
    // only red and white are expected back closely; the other quadrants must keep their dominant channel.
    assertNear(pixel(cmyk, 6, 6), QUADRANT_COLOURS.topLeft, 40, "CMYK red");
    assertNear(pixel(cmyk, 40, 26), QUADRANT_COLOURS.bottomRight, 8, "CMYK white");
    const [, green = 0, notBlue = 255] = pixel(cmyk, 40, 6);
    assert.ok(green > 150 && notBlue < 60, `CMYK green quadrant: ${pixel(cmyk, 40, 6)}`);
    const [notRed = 255, , blue = 0] = pixel(cmyk, 6, 26);
    assert.ok(blue > 100 && notRed < 60, `CMYK blue quadrant: ${pixel(cmyk, 6, 26)}`);
  });

  test("greyscale becomes three equal channels", async () => {
    const image = await decodeImage(entry("png-greyscale").bytes);
    for (let i = 0; i < image.data.length; i += 3) {
      assert.ok(image.data[i] === image.data[i + 1] && image.data[i] === image.data[i + 2], `pixel ${i / 3} is grey`);
    }
    assert.deepEqual(pixel(image, 40, 26), [255, 255, 255]);
  });

  test("the same bytes decode to the same pixels, from a Buffer or a Uint8Array", async () => {
    const a = await decodeImage(entry("jpeg").bytes);
    const b = await decodeImage(new Uint8Array(entry("jpeg").bytes));
    assert.deepEqual(a, b);
    assert.equal(a.format, "jpeg");
  });

  test("maxBytes and maxInputPixels are the caller's to set", async () => {
    await assert.rejects(decodeImage(entry("png").bytes, { maxBytes: 100 }), { code: "too-large", message: /^This file is \d+ bytes; the limit is 100 bytes\.$/ });
    await assert.rejects(decodeImage(entry("png").bytes, { maxInputPixels: 1000 }), {
      code: "too-many-pixels",
      message: "This image is 48×32 pixels; the limit is 1000 pixels.",
    });
    const fits = await decodeImage(entry("png").bytes, { maxInputPixels: 48 * 32, maxBytes: entry("png").bytes.length });
    assert.equal(fits.width, 48);
  });
});
