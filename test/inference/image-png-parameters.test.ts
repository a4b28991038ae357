import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import type { RgbImage } from "../../src/inference/image/decode-image.ts";
import { encodePng, formatParameters, parseParameters, type GenerationParameters } from "../../src/inference/image/png-parameters.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { colourQuadrants } from "../helpers/hostile-images.ts";

const example: GenerationParameters = {
  prompt: "a cat in a hat",
  negativePrompt: "blurry",
  steps: 20,
  sampler: "DDIM",
  cfgScale: 7.5,
  seed: 123,
  width: 512,
  height: 512,
  model: "x",
  strength: 0.75,
};

const image: RgbImage = { data: colourQuadrants(40, 24), width: 40, height: 24 };

/** The chunk types of a PNG, in order. */
function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset + 8 <= png.length; offset += 12 + png.readUInt32BE(offset)) types.push(png.toString("latin1", offset + 4, offset + 8));
  return types;
}

describe("formatParameters and parseParameters", () => {
  test("the A1111 layout", () => {
    assert.equal(
      formatParameters(example),
      "a cat in a hat\nNegative prompt: blurry\nSteps: 20, Sampler: DDIM, CFG scale: 7.5, Seed: 123, Size: 512x512, Model: x, Denoising strength: 0.75",
    );
    const { negativePrompt, model, strength, ...txt2img } = example;
    assert.equal(formatParameters({ ...txt2img, width: 768 }), "a cat in a hat\nSteps: 20, Sampler: DDIM, CFG scale: 7.5, Seed: 123, Size: 768x512");
  });

  test("round trips, including multi-line and non-Latin prompts, awkward values and huge seeds", () => {
    const cases: GenerationParameters[] = [
      example,
      { ...example, prompt: "line one\nline two, with a comma: and a colon", negativePrompt: "bad\nworse" },
      { ...example, prompt: "猫、帽子 🐱", negativePrompt: undefined, model: "my model, v2: final", sampler: "Euler a" },
      { ...example, seed: 18_446_744_073_709_551_615n, cfgScale: 1, strength: undefined },
      { ...example, seed: "not-a-number" },
    ];
    for (const p of cases) {
      const expected = { ...p };
      for (const key of Object.keys(expected) as (keyof GenerationParameters)[]) if (expected[key] === undefined) delete expected[key];
      assert.deepEqual(parseParameters(formatParameters(p)), expected);
    }
  });

  test("reads another tool's text and ignores fields it does not know", () => {
    const text =
      "masterpiece, a castle\r\nNegative prompt: lowres\r\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.0, Seed: 4242, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1\n";
    assert.deepEqual(parseParameters(text), {
      prompt: "masterpiece, a castle",
      negativePrompt: "lowres",
      steps: 30,
      sampler: "DPM++ 2M",
      cfgScale: 7,
      seed: 4242,
      width: 512,
      height: 768,
      model: "v1-5-pruned-emaonly",
      modelHash: "6ce0161689",
    });
  });

  test("a text without a fields line is refused, naming what is missing", () => {
    assert.throws(() => parseParameters("just a prompt"), { name: "SyntaxError", message: /`Steps`/ });
    assert.throws(() => parseParameters("p\nSteps: 20, Sampler: DDIM, CFG scale: 7, Seed: 1"), { message: /`Size`/ });
    assert.throws(() => parseParameters("p\nSteps: many, Sampler: DDIM, CFG scale: 7, Seed: 1, Size: 8x8"), { message: /`Steps` to be a number/ });
  });
});

describe("encodePng and readPngText", () => {
  test("the parameters chunk sits right after IHDR, round-trips, and sharp still decodes the file", async () => {
    const png = await encodePng(image, example);
    assert.deepEqual(chunkTypes(png).slice(0, 2), ["IHDR", "tEXt"]);
    assert.deepEqual(readPngText(png), { parameters: formatParameters(example) });
    assert.deepEqual(parseParameters(readPngText(png).parameters ?? ""), example);
    // The strictest setting: any libpng warning (such as a bad CRC) would fail the decode.
    const decoded = await sharp(png, { failOn: "warning" }).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(decoded.data, image.data);
    assert.deepEqual([decoded.info.width, decoded.info.height, decoded.info.channels], [40, 24, 3]);
  });

  test("the same image and parameters give identical bytes", async () => {
    assert.deepEqual(await encodePng(image, example), await encodePng({ ...image, data: Buffer.from(image.data) }, example));
  });

  test("text beyond Latin-1 goes into an uncompressed iTXt chunk; a string is written as it is", async () => {
    const png = await encodePng(image, "猫 🐱\nSteps: 1");
    assert.deepEqual(chunkTypes(png).slice(0, 2), ["IHDR", "iTXt"]);
    assert.deepEqual(readPngText(png), { parameters: "猫 🐱\nSteps: 1" });
    await sharp(png, { failOn: "warning" }).raw().toBuffer();
  });

  test("without parameters, a plain PNG", async () => {
    const png = await encodePng(image);
    assert.deepEqual(readPngText(png), {});
    assert.ok(!chunkTypes(png).some((type) => type === "tEXt" || type === "iTXt"));
  });

  test("readPngText is safe on hostile input: not a PNG, truncated, bad CRC, compressed text", async () => {
    const png = await encodePng(image, example);
    assert.deepEqual(readPngText(Buffer.from("hello")), {});
    assert.deepEqual(readPngText(Buffer.alloc(0)), {});
    assert.deepEqual(readPngText(png.subarray(0, 40)), {}, "cut inside the text chunk");

    const badCrc = Buffer.from(png);
    badCrc[33 + 8 + 3]! ^= 0xff; // a byte of the tEXt keyword
    assert.deepEqual(readPngText(badCrc), {});

    // A compressed iTXt chunk (flag 1) is skipped, not inflated.
    const body = Buffer.concat([Buffer.from("comment\0\x01\x00\0\0", "latin1"), Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])]);
    const chunk = Buffer.alloc(12 + body.length);
    chunk.writeUInt32BE(body.length, 0);
    chunk.write("iTXt", 4, "latin1");
    body.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + body.length)), 8 + body.length);
    const withCompressed = Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
    assert.deepEqual(readPngText(withCompressed), { parameters: formatParameters(example) });
  });
});
