import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cropAndResize } from "../../src/inference/image/crop-and-resize.ts";
import type { RgbImage } from "../../src/inference/image/decode-image.ts";
import { fitSize } from "../../src/inference/image/target-size.ts";
import { colourQuadrants, QUADRANT_COLOURS } from "../helpers/hostile-images.ts";

describe("fitSize", () => {
  test("known sizes", () => {
    assert.deepEqual(fitSize(512, 512), { width: 512, height: 512 });
    assert.deepEqual(fitSize(1024, 1024), { width: 512, height: 512 });
    assert.deepEqual(fitSize(1920, 1080), { width: 680, height: 384 });
    assert.deepEqual(fitSize(1080, 1920), { width: 384, height: 680 });
    assert.deepEqual(fitSize(4000, 3000, { maxPixels: 768 * 768 }), { width: 888, height: 664 });
  });

  test("sizes are multiples, within budget, keep the aspect ratio and use the budget (300 random sizes)", () => {
    let state = 7;
    const next = (max: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return 16 + (state % max);
    };
    for (let i = 0; i < 300; i++) {
      const width = next(5000);
      const height = next(5000);
      const size = fitSize(width, height);
      const message = `${width}×${height} → ${size.width}×${size.height}`;
      assert.ok(size.width % 8 === 0 && size.height % 8 === 0, message);
      assert.ok(size.width * size.height <= 512 * 512, message);
      // Rounding each side down by under 8 px bends the ratio only a little.
      const ratioError = Math.abs(Math.log(size.width / size.height / (width / height)));
      assert.ok(ratioError < Math.log((Math.min(size.width, size.height) + 8) / Math.min(size.width, size.height)) + 1e-9, message);
      // One more step on each side would overshoot: the budget is used.
      assert.ok((size.width + 8) * (size.height + 8) > 512 * 512, message);
    }
  });

  test("small images are scaled up to the budget, unless upscale is off", () => {
    assert.deepEqual(fitSize(100, 60), { width: 656, height: 392 });
    assert.deepEqual(fitSize(100, 60, { upscale: false }), { width: 96, height: 56 });
  });

  test("maxSide caps the long side; multiple changes the rounding", () => {
    assert.deepEqual(fitSize(4000, 1000, { maxSide: 768 }), { width: 768, height: 192 });
    assert.deepEqual(fitSize(1000, 1000, { multiple: 64 }), { width: 512, height: 512 });
    assert.deepEqual(fitSize(1000, 700, { multiple: 64 }), { width: 576, height: 448 });
  });

  test("multiples of 64: the size within budget closest in aspect ratio, not both sides floored", () => {
    // Flooring both sides gives 576×384 (aspect 1.5) for a 4:3 photo; 576×448 (1.29) fits the same budget.
    assert.deepEqual(fitSize(640, 480, { multiple: 64 }), { width: 576, height: 448 });
    assert.deepEqual(fitSize(480, 640, { multiple: 64 }), { width: 448, height: 576 });
    assert.deepEqual(fitSize(1920, 1080, { multiple: 64 }), { width: 640, height: 384 });
    assert.deepEqual(fitSize(3000, 2000, { multiple: 64 }), { width: 640, height: 384 });
    assert.deepEqual(fitSize(1000, 1000, { multiple: 64, maxPixels: 768 * 768 }), { width: 768, height: 768 });
    for (const [w, h] of [[640, 480], [1920, 1080], [1080, 1350], [4032, 3024], [500, 2000], [333, 777], [2048, 512]] as const) {
      for (const maxPixels of [512 * 512, 640 * 640, 768 * 768]) {
        const size = fitSize(w, h, { multiple: 64, maxPixels });
        const message = `${w}×${h} in ${maxPixels} → ${size.width}×${size.height}`;
        assert.ok(size.width % 64 === 0 && size.height % 64 === 0, message);
        assert.ok(size.width * size.height <= maxPixels, message);
        // No other multiple-of-64 size that uses the budget at least as fully is closer in aspect.
        const error = (a: number, b: number) => Math.abs(Math.log(a / b / (w / h)));
        for (let cw = 64; cw <= 4096; cw += 64) {
          const ch = Math.floor(maxPixels / cw / 64) * 64;
          if (ch < 64 || cw * ch < size.width * size.height) continue;
          assert.ok(error(cw, ch) >= error(size.width, size.height) - 1e-12, `${message}; ${cw}×${ch} is closer`);
        }
      }
    }
  });

  test("extreme aspect ratios and tiny budgets keep sides of at least one multiple", () => {
    const thin = fitSize(100_000, 1);
    assert.equal(thin.height, 8);
    assert.ok(thin.width * thin.height <= 512 * 512);
    assert.deepEqual(fitSize(3, 3, { maxPixels: 10 }), { width: 8, height: 8 });
  });

  test("bad arguments are refused with a message that names them", () => {
    assert.throws(() => fitSize(0, 10), { name: "RangeError", message: /`width`.*`0`/ });
    assert.throws(() => fitSize(10, Number.NaN), { message: /`height`/ });
    assert.throws(() => fitSize(10, 10, { multiple: 2.5 }), { message: /`multiple` to be a positive integer/ });
  });
});

describe("cropAndResize", () => {
  function pixel(image: RgbImage, x: number, y: number): number[] {
    const i = (y * image.width + x) * 3;
    return [...image.data.subarray(i, i + 3)];
  }

  /** A `size`×`size` quadrant image in the middle of a black band along the long side. */
  function quadrantsWithBlackMargins(size: number, orientation: "wide" | "tall"): RgbImage {
    const width = orientation === "wide" ? size * 3 : size;
    const height = orientation === "wide" ? size : size * 3;
    const data = Buffer.alloc(width * height * 3); // black
    const centre = colourQuadrants(size, size);
    for (let y = 0; y < size; y++) {
      const [dx, dy] = orientation === "wide" ? [size, y] : [0, size + y];
      centre.copy(data, (dy * width + dx) * 3, y * size * 3, (y + 1) * size * 3);
    }
    return { data, width, height };
  }

  function assertQuadrants(image: RgbImage): void {
    const { width: w, height: h } = image;
    const near = (x: number, y: number, colour: readonly number[], what: string) => {
      const actual = pixel(image, x, y);
      assert.ok(actual.every((v, i) => Math.abs(v - colour[i]!) <= 8), `${what} at ${x},${y}: ${actual}`);
    };
    near(Math.floor(w / 4), Math.floor(h / 4), QUADRANT_COLOURS.topLeft, "top-left");
    near(Math.floor((3 * w) / 4), Math.floor(h / 4), QUADRANT_COLOURS.topRight, "top-right");
    near(Math.floor(w / 4), Math.floor((3 * h) / 4), QUADRANT_COLOURS.bottomLeft, "bottom-left");
    near(Math.floor((3 * w) / 4), Math.floor((3 * h) / 4), QUADRANT_COLOURS.bottomRight, "bottom-right");
    // No black margin survives at the edges: the crop was centred, nothing was squeezed in.
    for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1], [0, h >> 1], [w - 1, h >> 1], [w >> 1, 0], [w >> 1, h - 1]] as const) {
      const sum = pixel(image, x, y).reduce((a, b) => a + b);
      assert.ok(sum > 200, `edge pixel ${x},${y} is ${pixel(image, x, y)}, not a colour of the centre`);
    }
  }

  test("a wide image to a square keeps only its centre", async () => {
    const out = await cropAndResize(quadrantsWithBlackMargins(64, "wide"), 32, 32);
    assert.deepEqual([out.width, out.height, out.data.length], [32, 32, 32 * 32 * 3]);
    assertQuadrants(out);
  });

  test("a tall image to a square keeps only its centre", async () => {
    const out = await cropAndResize(quadrantsWithBlackMargins(64, "tall"), 24, 24);
    assertQuadrants(out);
  });

  test("a square image to a non-square target loses its sides or its top and bottom, not its proportions", async () => {
    const square: RgbImage = { data: colourQuadrants(64, 64), width: 64, height: 64 };
    const wide = await cropAndResize(square, 48, 16); // keeps rows 21..43 of 64: still four quadrants
    assert.deepEqual([wide.width, wide.height], [48, 16]);
    assertQuadrants(wide);
    const tall = await cropAndResize(square, 16, 48);
    assertQuadrants(tall);
  });

  test("an image already at the target size comes back unchanged, as a copy", async () => {
    const image: RgbImage = { data: colourQuadrants(16, 8), width: 16, height: 8 };
    const out = await cropAndResize(image, 16, 8);
    assert.deepEqual(out, image);
    assert.notEqual(out.data, image.data);
  });

  test("the same input gives the same pixels", async () => {
    const image = quadrantsWithBlackMargins(40, "wide");
    assert.deepEqual(await cropAndResize(image, 24, 16), await cropAndResize(image, 24, 16));
  });
});
