import { test } from "node:test";
import assert from "node:assert/strict";
import { StableDiffusionPipeline, latentPreview, formatParameters, parseParameters, type LatentPreview } from "../../src/inference/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

test("the preview is latent · ComfyUI's SD15 factors, mapped from [-1, 1] to bytes, one pixel per latent cell", () => {
  // 2×1 latent: cell 0 is channel 0 = 1, cell 1 is channel 3 = 1.
  const latents = new Float32Array([1, 0, 0, 0, 0, 0, 0, 1]);
  const preview = latentPreview(latents, [1, 4, 1, 2]);
  assert.equal(preview.width, 2);
  assert.equal(preview.height, 1);
  const byte = (v: number) => Math.round(((v + 1) / 2) * 255);
  assert.deepEqual([...preview.rgb], [byte(0.3512), byte(0.2297), byte(0.3227), byte(-0.212), byte(-0.2616), byte(-0.7177)]);
  assert.throws(() => latentPreview(latents, [1, 3, 1, 2]), /shape/);
});

test("the pipeline reports previews only when asked, and asking changes no byte of the result", async () => {
  const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
  try {
    const base = { prompt: "a fox", steps: 2, seed: 3n, width: 64, height: 48 };
    const without: (LatentPreview | undefined)[] = [];
    const withPreview: (LatentPreview | undefined)[] = [];
    const plain = await pipeline.txt2img({ ...base, onProgress: (e) => without.push(e.preview) });
    const previewed = await pipeline.txt2img({ ...base, preview: true, onProgress: (e) => withPreview.push(e.preview) });
    // 2 PLMS steps (the folder's PNDM) are 3 UNet evaluations, one progress event each
    assert.deepEqual(without, [undefined, undefined, undefined]);
    assert.equal(withPreview.length, 3);
    for (const p of withPreview) {
      assert.equal(p?.width, 64 / 8);
      assert.equal(p?.height, 48 / 8);
      assert.equal(p?.rgb.length, 8 * 6 * 3);
    }
    assert.ok(plain.png.equals(previewed.png));
  } finally {
    await pipeline.release();
  }
});

test("PNG parameters carry the variation as A1111 writes it, and read back", () => {
  const text = formatParameters({ prompt: "a fox", steps: 20, sampler: "DDIM", cfgScale: 7.5, seed: 123, variationSeed: "18446744073709551615", variationStrength: 0.1, width: 512, height: 512 });
  assert.match(text, /Seed: 123, Variation seed: 18446744073709551615, Variation seed strength: 0\.1, Size: 512x512/);
  const back = parseParameters(text);
  assert.equal(back.variationSeed, 18446744073709551615n);
  assert.equal(back.variationStrength, 0.1);
  const none = parseParameters(formatParameters({ prompt: "a", steps: 1, sampler: "DDIM", cfgScale: 1, seed: 1, width: 8, height: 8, variationSeed: 2, variationStrength: 0 }));
  assert.equal(none.variationSeed, undefined, "a zero strength is no variation (A1111 leaves it out)");
});
