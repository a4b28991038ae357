import { test } from "node:test";
import assert from "node:assert/strict";
import type { RgbImage } from "../../src/inference/image/decode-image.ts";
import { imageToTensor, tensorToImage } from "../../src/inference/image/image-tensor.ts";

/** Every byte value, in every channel, in a non-square 16×48 image. */
function allValues(): RgbImage {
  const width = 16;
  const height = 48;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i % 3) * 85) % 256;
  return { data, width, height };
}

test("imageToTensor lays pixels out as NCHW [1, 3, H, W] and maps 0..255 to -1..1", () => {
  // 3 wide, 2 high: pixel (x, y) has R = 10y + x, G = 100 + R, B = 255 - R.
  const width = 3;
  const height = 2;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([10 * y + x, 100 + 10 * y + x, 255 - 10 * y - x], (y * width + x) * 3);
  }
  const tensor = imageToTensor({ data, width, height });
  assert.equal(tensor.length, 3 * width * height);
  const at = (c: number, y: number, x: number) => tensor[c * width * height + y * width + x];
  const expected = (v: number) => Math.fround(2 * Math.fround(v / 255) - 1);
  assert.equal(at(0, 1, 2), expected(12));
  assert.equal(at(1, 0, 1), expected(101));
  assert.equal(at(2, 1, 0), expected(245));
  assert.equal(imageToTensor({ data: Buffer.from([0, 255, 128]), width: 1, height: 1 })[0], -1);
  assert.equal(imageToTensor({ data: Buffer.from([0, 255, 128]), width: 1, height: 1 })[1], 1);
});

test("tensor values stay within [-1, 1]", () => {
  const tensor = imageToTensor(allValues());
  assert.ok(tensor.every((v) => v >= -1 && v <= 1));
  assert.equal(Math.min(...tensor), -1);
  assert.equal(Math.max(...tensor), 1);
});

test("image → tensor → image gives back every byte exactly", () => {
  const image = allValues();
  const back = tensorToImage(imageToTensor(image), image.width, image.height);
  assert.deepEqual(back, image);
});

test("tensorToImage clips out-of-range values and turns NaN into 0", () => {
  const tensor = Float32Array.from([2, -3, Number.NaN]); // one pixel: R, G, B planes
  assert.deepEqual([...tensorToImage(tensor, 1, 1).data], [255, 0, 0]);
});

test("tensorToImage rounds halves to even, as numpy does", () => {
  const x = 0.996078372001648;
  // Precondition: in float32 this value lands exactly on 254.5.
  assert.equal(Math.fround(Math.fround(x / 2 + 0.5) * 255), 254.5);
  assert.equal(tensorToImage(Float32Array.from([x, 0, 0]), 1, 1).data[0], 254);
});

test("sizes that do not match the data are refused", () => {
  assert.throws(() => imageToTensor({ data: Buffer.alloc(10), width: 2, height: 2 }), RangeError);
  assert.throws(() => tensorToImage(new Float32Array(10), 2, 2), RangeError);
});
