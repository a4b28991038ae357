// Reroll's pipeline against diffusers' own torch pipelines. The models were built in torch with diffusers (its test
// components, halved) and exported to ONNX; the reference images are what diffusers' StableDiffusion(Img2Img)Pipeline
// and LatentConsistencyModel(Img2Img)Pipeline gave for the same seeds, prompts and settings (see
// test/fixtures/diffusers-parity/README.md). The same seed must give the same image, to float rounding: ORT and torch
// differ in the last bits of their float32 sums, which can move a pixel by one level after rounding.
import assert from "node:assert/strict";
import { copyFile, cp, mkdir, readFile, rm, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { StableDiffusionPipeline, type GenerationResult, type SchedulerName } from "../../src/inference/index.ts";

const FIXTURE = resolve("test/fixtures/diffusers-parity");
const TOKENIZER = resolve("test/fixtures/clip-tokenizer");
const WORK = resolve("test/.tmp/diffusers-parity");

interface ParityCase {
  id: string;
  model: string;
  mode: "img2img" | "txt2img";
  pipeline?: "lcm";
  reroll_scheduler: SchedulerName | null;
  steps: number;
  strength?: number;
  guidance: number;
  seed: string;
  width: number;
  height: number;
  count?: number;
  prompt: string;
  negative_prompt: string;
  timesteps: number[];
  images: string[];
}

interface Manifest {
  models: Record<string, { parts: Record<string, string> }>;
  cases: ParityCase[];
}

const manifest = JSON.parse(await readFile(join(FIXTURE, "manifest.json"), "utf8")) as Manifest;

/** A model folder in the ONNX layout: the fixture's configs, its shared graphs and SD 1.5's tokenizer files. */
async function assembleModel(name: string): Promise<string> {
  const dir = join(WORK, name);
  await cp(join(FIXTURE, "models", name), dir, { recursive: true });
  for (const [part, file] of Object.entries(manifest.models[name]!.parts)) await symlink(join(FIXTURE, "onnx", file), join(dir, part, "model.onnx"));
  for (const file of ["vocab.json", "merges.txt"]) await copyFile(join(TOKENIZER, file), join(dir, "tokenizer", file));
  return dir;
}

/** The largest and mean per-channel difference between two RGB8 images, in levels. */
function difference(ours: Uint8Array, reference: Uint8Array): { max: number; mean: number } {
  assert.equal(ours.length, reference.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i]! - reference[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / ours.length };
}

describe("the same image as diffusers' torch pipelines", () => {
  const pipelines = new Map<string, StableDiffusionPipeline>();
  before(async () => {
    await rm(WORK, { recursive: true, force: true });
    await mkdir(WORK, { recursive: true });
    for (const name of Object.keys(manifest.models)) pipelines.set(name, await StableDiffusionPipeline.load(await assembleModel(name)));
  });
  after(async () => {
    for (const pipeline of pipelines.values()) await pipeline.release();
    await rm(WORK, { recursive: true, force: true });
  });

  for (const c of manifest.cases) {
    test(`${c.id}: ${c.mode}, ${c.reroll_scheduler ?? "the folder's scheduler"}, ${c.steps} steps${c.strength ? ` at ${c.strength}` : ""}, guidance ${c.guidance}, seed ${c.seed}`, async () => {
      const pipeline = pipelines.get(c.model)!;
      const timesteps: number[] = [];
      const common = {
        prompt: c.prompt,
        negativePrompt: c.negative_prompt,
        steps: c.steps,
        guidanceScale: c.guidance,
        seed: BigInt(c.seed),
        count: c.count ?? 1,
        width: c.width,
        height: c.height,
        ...(c.reroll_scheduler && { scheduler: c.reroll_scheduler }),
        onProgress: (event: { timestep: number }) => timesteps.push(event.timestep),
      };
      const result: GenerationResult =
        c.mode === "img2img"
          ? await pipeline.img2img({ ...common, image: await readFile(join(FIXTURE, "ref", `input-${c.width}x${c.height}.png`)), strength: c.strength! })
          : await pipeline.txt2img(common);
      // Karras σ map back to fractional timesteps through numpy's float32 log, whose last bit depends on the machine's
      // SIMD path (numpy on this machine and on the reference's disagree too), and the interpolation amplifies it:
      // those agree to a relative 2e-6. Every other timestep is exact.
      assert.equal(timesteps.length, c.timesteps.length, `the UNet ran ${c.timesteps.length} times: ${JSON.stringify(timesteps)}`);
      timesteps.forEach((t, i) => {
        const want = c.timesteps[i]!;
        assert.ok(t === want || (!Number.isInteger(want) && Math.abs(t - want) <= 2e-6 * Math.abs(want)), `timestep ${i}: ${t}, diffusers ${want}`);
      });
      assert.equal(result.images.length, c.images.length);
      for (const [i, image] of result.images.entries()) {
        const reference = await sharp(join(FIXTURE, "ref", c.images[i]!)).raw().toBuffer();
        const { max, mean } = difference(image.image.data, reference);
        assert.ok(max <= 2 && mean <= 0.05, `image ${i} differs from diffusers' by up to ${max} levels (mean ${mean.toFixed(3)})`);
      }
    });
  }
});
