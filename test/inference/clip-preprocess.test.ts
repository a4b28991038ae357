import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { resizeBicubicPil, resizeBicubicTorch } from "../../src/inference/image/pil-resize.ts";
import { clipPreprocess, parsePreprocessorConfig, type ClipBackend } from "../../src/inference/pipeline/safety-checker.ts";
import { SD15_PREPROCESSOR_CONFIG } from "../../scripts/synthesize/safety-checker.ts";

// transformers 5.17's CLIPImageProcessor on synthetic inputs, both backends (see the fixtures' README).
const FIXTURES = fileURLToPath(new URL("../fixtures/clip-preprocess/", import.meta.url));
const SIZES = [
  [512, 512],
  [768, 512],
  [333, 517],
  [64, 64],
  [200, 224],
] as const;
const CROP = 224;
const sd15 = parsePreprocessorConfig(SD15_PREPROCESSOR_CONFIG);
const { pixelValues } = JSON.parse(await readFile(`${FIXTURES}pixel-values.json`, "utf8")) as { pixelValues: Record<ClipBackend, (number | null)[][]> };
const RESIZE = { torchvision: resizeBicubicTorch, pil: resizeBicubicPil };

async function rgb(name: string) {
  const { data, info } = await sharp(`${FIXTURES}${name}`).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return { data, width: info.width, height: info.height };
}

/** Shortest side to 224 (the long side truncated), then the centre 224² (top-left floored). */
function resizeAndCrop(backend: ClipBackend, image: { data: Uint8Array; width: number; height: number }): Uint8Array {
  const { width, height } = image;
  const long = Math.trunc((CROP * Math.max(width, height)) / Math.min(width, height));
  const [w, h] = width <= height ? [CROP, long] : [long, CROP];
  const resized = RESIZE[backend](image.data, width, height, w, h);
  const top = Math.floor((h - CROP) / 2);
  const left = Math.floor((w - CROP) / 2);
  const out = new Uint8Array(CROP * CROP * 3);
  for (let y = 0; y < CROP; y++) out.set(resized.subarray(((y + top) * w + left) * 3, ((y + top) * w + left + CROP) * 3), y * CROP * 3);
  return out;
}

/** How many bytes differ, and by how much at most. */
function compareBytes(actual: Uint8Array, expected: Uint8Array): { differing: number; largest: number } {
  let differing = 0;
  let largest = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (d !== 0) differing++;
    largest = Math.max(largest, d);
  }
  return { differing, largest };
}

for (const backend of ["torchvision", "pil"] as const) {
  for (const [width, height] of SIZES) {
    const name = `clip-${width}x${height}`;

    test(`${backend}: ${name} resized and centre-cropped byte for byte as transformers' ${backend} backend does`, async () => {
      const expected = await rgb(`${name}.${backend}.png`);
      const { differing, largest } = compareBytes(resizeAndCrop(backend, await rgb(`${name}.png`)), expected.data);
      assert.deepEqual({ differing, largest }, { differing: 0, largest: 0 });
    });

    test(`${backend}: ${name}'s clip_input is CLIPImageProcessor's pixel_values, every float32 bit`, async () => {
      const expected = await rgb(`${name}.${backend}.png`);
      // The torchvision backend is the default (transformers' own wherever torchvision is installed).
      const { data, dims } = backend === "torchvision" ? await clipPreprocess(await rgb(`${name}.png`), sd15) : await clipPreprocess(await rgb(`${name}.png`), sd15, backend);
      assert.deepEqual(dims, [1, 3, CROP, CROP]);
      const plane = CROP * CROP;
      let differing = 0;
      let first = "";
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < plane; i++) {
          const want = pixelValues[backend][c]![expected.data[i * 3 + c]!];
          assert.equal(typeof want, "number", "every byte of the reference has its float in pixel-values.json");
          if (data[c * plane + i] !== want) {
            differing++;
            first ||= `channel ${c}, pixel ${i}: ${data[c * plane + i]} instead of ${want}`;
          }
        }
      }
      assert.equal(differing, 0, `${differing} of ${3 * plane} values differ (first: ${first})`);
    });
  }
}

test("the two backends' references differ, so each test above tells them apart", async () => {
  const torch = await rgb("clip-64x64.torchvision.png");
  const pil = await rgb("clip-64x64.pil.png");
  assert.ok(compareBytes(torch.data, pil.data).differing > 0);
  assert.notEqual(pixelValues.torchvision[0]![128], pixelValues.pil[0]![128]);
});

test("a dimension that keeps its size is not resampled: rows of noise stay as they were", () => {
  // Each row one random grey: resampling the rows (even at scale 1) would mix neighbours.
  const width = 40;
  const height = 9;
  const rows = [12, 250, 3, 199, 77, 0, 255, 140, 61];
  const data = new Uint8Array(width * height).map((_, i) => rows[Math.floor(i / width)]!);
  for (const resize of [resizeBicubicPil, resizeBicubicTorch]) {
    const out = resize(data, width, height, 17, height, 1);
    for (let y = 0; y < height; y++) assert.deepEqual([...new Set(out.subarray(y * 17, (y + 1) * 17))], [rows[y]]);
    const same = resize(data, width, height, width, height, 1);
    assert.deepEqual(same, data);
    assert.notEqual(same.buffer, data.buffer, "an unchanged size still returns a copy");
  }
});

test("channels are resampled independently: RGB equals each channel resized alone", () => {
  const width = 37;
  const height = 23;
  let state = 1;
  const rgbData = new Uint8Array(width * height * 3).map(() => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
  for (const resize of [resizeBicubicPil, resizeBicubicTorch]) {
    const out = resize(rgbData, width, height, 61, 11);
    for (let c = 0; c < 3; c++) {
      const alone = resize(
        rgbData.filter((_, i) => i % 3 === c),
        width,
        height,
        61,
        11,
        1,
      );
      assert.deepEqual(
        out.filter((_, i) => i % 3 === c),
        alone,
      );
    }
  }
});
