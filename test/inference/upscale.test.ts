import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StableDiffusionPipeline, blendTiles, planTiles, upscale, type ProgressEvent, type RgbImage } from "../../src/inference/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

const solid = (width: number, height: number, value: number): RgbImage => ({ data: Buffer.alloc(width * height * 3, value), width, height });

describe("upscale tiles", () => {
  test("tiles cover the image, overlap by at least the overlap, sit on whole latent cells and end flush", () => {
    const tiles = planTiles(1024, 768, 512, 64);
    assert.deepEqual(tiles.map((t) => [t.x, t.y]), [[0, 0], [256, 0], [512, 0], [0, 256], [256, 256], [512, 256]]);
    for (const t of tiles) assert.ok(t.x % 8 === 0 && t.y % 8 === 0 && t.width === 512 && t.height === 512);
    assert.deepEqual(planTiles(512, 512, 512, 64), [{ x: 0, y: 0, width: 512, height: 512 }]);
    const wide = planTiles(1000, 512, 512, 64);
    assert.equal(wide.at(-1)!.x + 512, 1000, "the last tile is flush with the edge");
    assert.ok(wide[1]!.x <= 512 - 64, "neighbours overlap by at least the overlap");
  });

  test("blending feathers a seam linearly across the overlap, and leaves the rest as it was", () => {
    const tiles = planTiles(96, 32, 64, 32);
    assert.equal(tiles.length, 2);
    const out = blendTiles(96, 32, [{ tile: tiles[0]!, image: solid(64, 32, 0) }, { tile: tiles[1]!, image: solid(64, 32, 240) }], 32);
    const row = Array.from({ length: 96 }, (_, x) => out.data[x * 3]!);
    assert.ok(row.slice(0, 32).every((v) => v === 0), "left of the overlap: the left tile");
    assert.ok(row.slice(64).every((v) => v === 240), "right of the overlap: the right tile");
    for (let x = 33; x < 64; x++) assert.ok(row[x]! >= row[x - 1]!, `the seam ramps up at ${x}`);
    assert.ok(row[40]! > 0 && row[56]! < 240, "mixed inside the overlap");
  });
});

test("upscale ×2 on the tiny model: the base made again, enlarged and refined in tiles, progress to the end", async () => {
  const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny"), { executionProviders: "cpu" });
  try {
    const base = { prompt: "a fox", steps: 4, seed: 8n, width: 64, height: 64 };
    const events: ProgressEvent[] = [];
    const result = await upscale(pipeline, { base: { mode: "txt2img", options: base }, tileSize: 64, onProgress: (e) => events.push(e) });
    assert.deepEqual([result.width, result.height, result.image.data.length], [128, 128, 128 * 128 * 3]);
    assert.equal(result.parameters.strength, 0.3);
    assert.equal(result.seed, 8n);
    const last = events.at(-1)!;
    assert.equal(last.step, last.totalSteps, "progress ends at its total");
    // PLMS (the folder's PNDM) evaluates one timestep more than its steps: 4 → 5, and floor(4 × 0.3) = 1 → 2
    assert.equal(last.totalSteps, 5 + 9 * 2, "4 base steps, then 9 tiles of floor(4 × 0.3) → 1 step each");
    const again = await upscale(pipeline, { base: { mode: "txt2img", options: base }, tileSize: 64 });
    assert.ok(again.png.equals(result.png), "the same upscale gives the same bytes");
  } finally {
    await pipeline.release();
  }
});
