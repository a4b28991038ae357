import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { InvalidOptionError, ModelFolderError, StableDiffusionPipeline, guidanceScaleEmbedding } from "../../src/inference/index.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

interface RecordedRun {
  session: string;
  feeds: Record<string, { data: ArrayLike<number>; dims: readonly number[] }>;
}

/** Runs `action` while recording which model every ONNX run was and what it was fed. */
async function recordRuns<T>(action: () => Promise<T>): Promise<{ result: T; calls: RecordedRun[] }> {
  const calls: RecordedRun[] = [];
  const original = ModelSession.prototype.run;
  ModelSession.prototype.run = async function (this: ModelSession, feeds, outputNames) {
    calls.push({ session: this.name, feeds });
    return original.call(this, feeds, outputNames);
  };
  try {
    return { result: await action(), calls };
  } finally {
    ModelSession.prototype.run = original;
  }
}

const image = () => sharp({ create: { width: 80, height: 64, channels: 3, background: { r: 200, g: 60, b: 20 } } }).png().toBuffer();

let scratch: string;
before(async () => { scratch = await mkdtemp(join(tmpdir(), "reroll-families-")); });
after(() => rm(scratch, { recursive: true, force: true }));

/** A copy of a synthetic folder (the tiny SD 1.5 one by default) with another scheduler_config.json. */
async function withSchedulerConfig(name: string, config: Record<string, unknown>, variant: "tiny" | "tiny-sd2" = "tiny"): Promise<string> {
  const dir = join(scratch, name);
  await cp(await syntheticModel(variant), dir, { recursive: true });
  await writeFile(join(dir, "scheduler", "scheduler_config.json"), JSON.stringify(config));
  return dir;
}

const FAMILIES = [
  { variant: "tiny", family: "sd1", defaults: { scheduler: "pndm", steps: 30, guidanceScale: 7.5, width: 512, height: 512 } },
  { variant: "tiny-sd2", family: "sd2", defaults: { scheduler: "ddim", steps: 30, guidanceScale: 7.5, width: 768, height: 768 } },
  { variant: "tiny-turbo", family: "sd-turbo", defaults: { scheduler: "euler", steps: 1, guidanceScale: 0, img2img: { steps: 2, strength: 0.5 }, width: 512, height: 512 } },
  { variant: "tiny-lcm", family: "lcm", defaults: { scheduler: "lcm", steps: 4, guidanceScale: 8.5, width: 512, height: 512, lcmDistilled: true } },
] as const;

for (const { variant, family, defaults } of FAMILIES) {
  describe(`the "${variant}" folder`, () => {
    let pipeline: StableDiffusionPipeline;
    before(async () => { pipeline = await StableDiffusionPipeline.load(await syntheticModel(variant), { executionProviders: "cpu" }); });
    after(() => pipeline.release());

    test(`is recognised as ${family}, with its defaults`, () => {
      assert.equal(pipeline.family.name, family);
      assert.deepEqual(pipeline.defaults, defaults);
    });

    test("txt2img and img2img with the folder's defaults: the same seed gives the same bytes", async () => {
      const options = { prompt: "a fox", seed: 7, width: 64, height: 48, steps: Math.min(defaults.steps, 4) };
      const [a, b] = [await pipeline.txt2img(options), await pipeline.txt2img(options)];
      assert.ok(a.png.equals(b.png));
      // PLMS (SD 1.5's PNDM) evaluates its second timestep twice, as diffusers does
      assert.equal(a.timings.denoiseSteps, options.steps + (defaults.scheduler === "pndm" ? 1 : 0));
      const img2img = { ...options, image: await image(), strength: 1, steps: Math.max(2, options.steps) };
      const [c, d] = [await pipeline.img2img(img2img), await pipeline.img2img(img2img)];
      assert.ok(c.png.equals(d.png));
      assert.ok(!c.png.equals((await pipeline.img2img({ ...img2img, seed: 8 })).png));
    });
  });
}

describe("SD 2.x", () => {
  test("pads prompts with `!` (id 0) and feeds 1024-wide embeddings", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny-sd2"), { executionProviders: "cpu" });
    try {
      assert.equal(pipeline.family.textWidth, 1024);
      assert.match(pipeline.family.label, /v_prediction/);
      const { calls } = await recordRuns(() => pipeline.txt2img({ prompt: "a cat", steps: 1, seed: 1, width: 64, height: 64 }));
      const ids = Array.from(calls.find((c) => c.session === "text_encoder")!.feeds.input_ids!.data);
      assert.equal(ids.length, 77);
      assert.deepEqual(ids.slice(-10), new Array<number>(10).fill(0));
      const unet = calls.find((c) => c.session === "unet")!;
      assert.deepEqual(unet.feeds.encoder_hidden_states!.dims, [2, 77, 1024]);
    } finally {
      await pipeline.release();
    }
  });

  test("the folder's prediction_type reaches the scheduler: 2.1 (v_prediction) and 2.1-base (epsilon) differ", async () => {
    const v = await StableDiffusionPipeline.load(await syntheticModel("tiny-sd2"), { executionProviders: "cpu" });
    const config = JSON.parse(await readFile(join(await syntheticModel("tiny-sd2"), "scheduler", "scheduler_config.json"), "utf8")) as Record<string, unknown>;
    const epsilon = await StableDiffusionPipeline.load(await withSchedulerConfig("sd2-base", { ...config, prediction_type: "epsilon" }, "tiny-sd2"), { executionProviders: "cpu" });
    try {
      const options = { prompt: "a cat", steps: 2, seed: 1, width: 64, height: 64 };
      assert.equal(epsilon.family.name, "sd2");
      assert.ok(!(await v.txt2img(options)).png.equals((await epsilon.txt2img(options)).png));
    } finally {
      await Promise.all([v.release(), epsilon.release()]);
    }
  });
});

describe("SD-Turbo", () => {
  test("guidance 0 or 1 runs no uncond pass: one text encoding, one UNet run of batch 1 per step", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny-turbo"), { executionProviders: "cpu" });
    try {
      for (const guidanceScale of [undefined, 0, 1]) {
        const { result, calls } = await recordRuns(() => pipeline.txt2img({ prompt: "a cat", negativePrompt: "dull", seed: 1, width: 64, height: 64, guidanceScale }));
        assert.equal(result.timings.unetRuns, 1);
        assert.equal(calls.filter((c) => c.session === "text_encoder").length, 1);
        assert.deepEqual(calls.find((c) => c.session === "unet")!.feeds.sample!.dims, [1, 4, 8, 8]);
      }
      // Explicit options override the folder's: guidance 2 runs the guidance batch.
      const guided = await recordRuns(() => pipeline.txt2img({ prompt: "a cat", seed: 1, width: 64, height: 64, guidanceScale: 2, steps: 2 }));
      assert.equal(guided.result.timings.unetRuns, 2);
      assert.deepEqual(guided.calls.find((c) => c.session === "unet")!.feeds.sample!.dims, [2, 4, 8, 8]);
    } finally {
      await pipeline.release();
    }
  });

  test("img2img runs floor(steps × strength) steps and refuses a strength that leaves none", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny-turbo"), { executionProviders: "cpu" });
    try {
      const result = await pipeline.img2img({ image: await image(), prompt: "x", steps: 2, strength: 0.5, seed: 1, width: 64, height: 64 });
      assert.equal(result.timings.unetRuns, 1);
      // Turbo's own 1 step leaves none at 0.5 (left out, steps are its img2img default 2).
      await assert.rejects(pipeline.img2img({ image: await image(), prompt: "x", steps: 1, strength: 0.5, seed: 1 }), InvalidOptionError);
    } finally {
      await pipeline.release();
    }
  });
});

describe("LCM", () => {
  test("guidanceScaleEmbedding equals diffusers' get_guidance_scale_embedding", () => {
    // By hand from the formula: w·1000 = 7500, half = 2, frequencies exp(−i·ln(10⁴)/(half − 1)) = 1, 10⁻⁴:
    // [sin 7500, sin 0.75, cos 7500, cos 0.75], rounded to float32.
    const close = (actual: Float32Array, expected: number[]) =>
      expected.forEach((v, i) => assert.ok(Math.abs(actual[i]! - v) < 2e-6, `entry ${i}: ${actual[i]} vs ${v}`));
    close(guidanceScaleEmbedding(7.5, 4), [-0.8512359261512756, 0.6816387176513672, -0.5247832536697388, 0.731688916683197]);
    close(guidanceScaleEmbedding(7.5, 8), [
      -0.8512359261512756, 0.5626711249351501, -0.43523475527763367, 0.6816387176513672,
      -0.5247832536697388, -0.8266808390617371, -0.9003170132637024, 0.731688916683197,
    ]);
    // An odd width is zero-padded at the end.
    close(guidanceScaleEmbedding(0.5, 5), [-0.4677717983722687, 0.049979161471128464, -0.8838492631912231, 0.9987502694129944, 0]);
  });

  test("an LCM-distilled UNet gets timestep_cond = embedding(guidance − 1) and no uncond pass", async () => {
    const pipeline = await StableDiffusionPipeline.load(await syntheticModel("tiny-lcm"), { executionProviders: "cpu" });
    try {
      assert.equal(pipeline.family.timeCondProjDim, 256);
      const { result, calls } = await recordRuns(() => pipeline.txt2img({ prompt: "a cat", negativePrompt: "dull", seed: 1, width: 64, height: 64 }));
      assert.equal(result.timings.unetRuns, 4);
      assert.equal(calls.filter((c) => c.session === "text_encoder").length, 1);
      for (const unet of calls.filter((c) => c.session === "unet")) {
        assert.deepEqual(unet.feeds.sample!.dims, [1, 4, 8, 8]);
        const cond = unet.feeds.timestep_cond!;
        assert.deepEqual(cond.dims, [1, 256]);
        // Guidance 8.5 → w = 7.5: entry 0 is sin(7500), entry 128 cos(7500); the last frequency is 10⁻⁴ → sin 0.75.
        assert.ok(Math.abs(cond.data[0]! - -0.8512359261512756) < 2e-6);
        assert.ok(Math.abs(cond.data[128]! - -0.5247832536697388) < 2e-6);
        assert.ok(Math.abs(cond.data[127]! - 0.6816387176513672) < 2e-6);
      }
      const other = await pipeline.txt2img({ prompt: "a cat", seed: 1, width: 64, height: 64, guidanceScale: 2 });
      assert.ok(!other.png.equals(result.png), "the guidance reaches the UNet");
    } finally {
      await pipeline.release();
    }
  });

  test("an SD 1.5 UNet with an LCMScheduler config runs as LCM-LoRA: 4 steps, guidance 1, CFG when asked", async () => {
    const dir = await withSchedulerConfig("lcm-lora", {
      _class_name: "LCMScheduler", beta_end: 0.012, beta_schedule: "scaled_linear", beta_start: 0.00085, num_train_timesteps: 1000,
      original_inference_steps: 50, prediction_type: "epsilon", set_alpha_to_one: true, steps_offset: 1, timestep_spacing: "leading",
    });
    const pipeline = await StableDiffusionPipeline.load(dir, { executionProviders: "cpu" });
    try {
      assert.equal(pipeline.family.name, "lcm-lora");
      assert.deepEqual(pipeline.defaults, { scheduler: "lcm", steps: 4, guidanceScale: 1, width: 512, height: 512 });
      const plain = await recordRuns(() => pipeline.txt2img({ prompt: "a cat", seed: 1, width: 64, height: 64 }));
      assert.equal(plain.result.timings.unetRuns, 4);
      assert.ok(plain.calls.every((c) => c.session !== "unet" || !("timestep_cond" in c.feeds)));
      const guided = await recordRuns(() => pipeline.txt2img({ prompt: "a cat", seed: 1, width: 64, height: 64, guidanceScale: 1.5 }));
      assert.deepEqual(guided.calls.find((c) => c.session === "unet")!.feeds.sample!.dims, [2, 4, 8, 8]);
    } finally {
      await pipeline.release();
    }
  });
});

describe("a folder of no known family", () => {
  test("fails at load, naming the scheduler it found", async () => {
    const dir = await withSchedulerConfig("unknown", { _class_name: "KarrasVeScheduler", num_train_timesteps: 1000 });
    await assert.rejects(StableDiffusionPipeline.load(dir, { executionProviders: "cpu" }), (e: Error) => e instanceof ModelFolderError && /KarrasVeScheduler/.test(e.message));
  });
});

describe("the CLI", () => {
  test("uses the folder's defaults: SD-Turbo's 1 step of Euler at guidance 0, 512×512", async () => {
    const out = join(scratch, "turbo.png");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/generate.ts", "--model", await syntheticModel("tiny-turbo"), "--prompt", "a fox", "--seed", "3", "--out", out],
      { env: { ...process.env, EXECUTION_PROVIDER: "cpu" } },
    );
    assert.match(stdout, /SD-Turbo/);
    const parameters = readPngText(await readFile(out)).parameters ?? "";
    assert.match(parameters, /Steps: 1, Sampler: Euler, CFG scale: 0, Seed: 3, Size: 512x512/);
  });
});
