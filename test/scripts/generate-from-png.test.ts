import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { writeFile } from "node:fs/promises";
import { readPngText } from "../../src/inference/index.ts";
import { runScript } from "../models/cli-runner.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

describe("npm run generate -- --from result.png", () => {
  let scratch: string;
  let model: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "reroll-from-png-"));
    model = await syntheticModel("tiny");
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  const generate = (args: string[]) => runScript("scripts/generate.ts", ["--model", model, ...args], { EXECUTION_PROVIDER: "cpu" });

  test("a txt2img result with a variation is made again, byte for byte, from its PNG alone", async () => {
    const first = join(scratch, "first.png");
    const again = join(scratch, "again.png");
    const made = await generate([
      "--prompt", "a fox, in snow: at dusk", "--negative", "blurry", "--steps", "3", "--cfg", "6", "--seed", "18446744073709551557",
      "--scheduler", "euler-a", "--width", "64", "--height", "48", "--variation-seed", "77", "--variation-strength", "0.25", "--out", first,
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(readPngText(await readFile(first)).parameters ?? "", /Seed: 18446744073709551557, Variation seed: 77, Variation seed strength: 0\.25/);
    const remade = await generate(["--from", first, "--out", again]);
    assert.equal(remade.code, 0, remade.stderr);
    assert.ok((await readFile(first)).equals(await readFile(again)), "the bytes differ");
  });

  test("an img2img result needs its input image, and with it gives the same bytes", async () => {
    const input = join(scratch, "input.png");
    await writeFile(input, await sharp({ create: { width: 80, height: 64, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer());
    const first = join(scratch, "img2img.png");
    const made = await generate(["--image", input, "--prompt", "a flag", "--steps", "4", "--strength", "0.5", "--seed", "9", "--out", first]);
    assert.equal(made.code, 0, made.stderr);
    const missing = await generate(["--from", first, "--out", join(scratch, "x.png")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /img2img result .*--image/);
    const again = join(scratch, "img2img-again.png");
    const remade = await generate(["--from", first, "--image", input, "--out", again]);
    assert.equal(remade.code, 0, remade.stderr);
    assert.ok((await readFile(first)).equals(await readFile(again)), "the bytes differ");
  });
});
