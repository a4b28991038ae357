import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { float16Bits, float16Value } from "../scripts/synthesize/float16.ts";
import { SYNTHETIC_VARIANTS, ensureSyntheticModel, resolveVariant, synthesizeModel } from "../scripts/synthesize/index.ts";
import { byteUnicodeChars, tokenizerFiles } from "../scripts/synthesize/tokenizer-files.ts";
import { CLIP_TOKENIZER_DIR } from "./fixtures/paths.ts";

let root: string;
before(async () => { root = await mkdtemp(join(tmpdir(), "reroll-synth-folder-")); });
after(async () => { await rm(root, { recursive: true, force: true }); });

/** Every file under `dir`, as sorted paths relative to `base`. */
async function listFiles(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base) : Promise.resolve([relative(base, join(dir, e.name))])));
  return nested.flat().sort();
}

describe("determinism", () => {
  test("the same variant and seed give byte-identical folders; another seed other weights", async () => {
    const a = join(root, "a");
    const b = join(root, "b");
    const c = join(root, "c");
    await synthesizeModel(a, "tiny-optimum");
    await synthesizeModel(b, "tiny-optimum");
    await synthesizeModel(c, { ...SYNTHETIC_VARIANTS["tiny-optimum"], seed: 99 });
    const files = await listFiles(a);
    assert.ok(files.includes("unet/model.onnx_data"));
    assert.deepEqual(await listFiles(b), files);
    for (const file of files) {
      assert.ok((await readFile(join(a, file))).equals(await readFile(join(b, file))), `${file} differs between runs`);
    }
    assert.ok(!(await readFile(join(a, "unet/model.onnx_data"))).equals(await readFile(join(c, "unet/model.onnx_data"))));
    assert.ok(!(await readFile(join(a, "text_encoder/model.onnx"))).equals(await readFile(join(c, "text_encoder/model.onnx"))));
  });
});

describe("ensureSyntheticModel", () => {
  test("writes a missing model once, then leaves a complete one alone", async () => {
    const dir = join(root, "models", "tiny");
    assert.equal(await ensureSyntheticModel(dir), dir);
    const written = (await stat(join(dir, "unet/weights.pb"))).mtimeMs;
    await ensureSyntheticModel(dir);
    assert.equal((await stat(join(dir, "unet/weights.pb"))).mtimeMs, written);
    assert.deepEqual((await readdir(join(root, "models"))).sort(), ["tiny"], "no temporary sibling is left behind");
  });

  test("replaces its own model when incomplete or of another variant", async () => {
    const dir = join(root, "replaced");
    await ensureSyntheticModel(dir, "tiny");
    await unlink(join(dir, "unet/weights.pb"));
    await ensureSyntheticModel(dir, "tiny");
    assert.ok(existsSync(join(dir, "unet/weights.pb")));
    await ensureSyntheticModel(dir, "tiny-optimum");
    assert.ok(existsSync(join(dir, "unet/model.onnx_data")));
    assert.ok(!existsSync(join(dir, "unet/weights.pb")), "the old variant's files are gone");
  });

  test("refuses to overwrite an incomplete folder it did not write", async () => {
    const dir = join(root, "foreign");
    await mkdir(dir);
    await writeFile(join(dir, "notes.txt"), "mine");
    await assert.rejects(ensureSyntheticModel(dir), /not a complete SD 1\.5 ONNX model folder/);
    assert.equal(await readFile(join(dir, "notes.txt"), "utf8"), "mine");
  });
});

describe("variants", () => {
  test("unknown names and impossible combinations fail clearly", () => {
    assert.throws(() => resolveVariant("tiny-bogus"), /Unknown synthetic model variant "tiny-bogus"; expected one of tiny, /);
    assert.throws(() => resolveVariant({ ...SYNTHETIC_VARIANTS.sd15, externalData: "none" }), /needs external data/);
    assert.throws(() => resolveVariant({ ...SYNTHETIC_VARIANTS.tiny, seed: 1.5 }), /seed/);
  });
});

describe("folder files", () => {
  test("scheduler config is SD 1.5's and the VAE config carries the scaling factor", async () => {
    const dir = join(root, "configs");
    await synthesizeModel(dir, "tiny-legacy");
    const scheduler = JSON.parse(await readFile(join(dir, "scheduler/scheduler_config.json"), "utf8"));
    assert.deepEqual(
      [scheduler._class_name, scheduler.beta_schedule, scheduler.beta_start, scheduler.beta_end, scheduler.num_train_timesteps,
        scheduler.steps_offset, scheduler.set_alpha_to_one, scheduler.skip_prk_steps, scheduler.clip_sample],
      ["PNDMScheduler", "scaled_linear", 0.00085, 0.012, 1000, 1, false, true, false],
    );
    assert.equal(JSON.parse(await readFile(join(dir, "vae_decoder/config.json"), "utf8")).scaling_factor, 0.18215);
    const index = JSON.parse(await readFile(join(dir, "model_index.json"), "utf8"));
    assert.deepEqual(index.unet, ["diffusers", "OnnxRuntimeModel"]);
  });
});

describe("tokenizer files", () => {
  const { files, vocabSize } = tokenizerFiles();
  const vocab = JSON.parse(files["vocab.json"] ?? "") as Record<string, number>;

  test("CLIP's layout: bytes, their </w> forms, merges, then the two special tokens last", () => {
    const bytes = byteUnicodeChars();
    assert.equal(new Set(bytes).size, 256);
    bytes.forEach((char, i) => {
      assert.equal(vocab[char], i);
      assert.equal(vocab[`${char}</w>`], 256 + i);
    });
    assert.equal(Object.keys(vocab).length, vocabSize);
    assert.equal(vocab["<|startoftext|>"], vocabSize - 2);
    assert.equal(vocab["<|endoftext|>"], vocabSize - 1);
    const merges = (files["merges.txt"] ?? "").trim().split("\n");
    assert.equal(merges[0], "#version: 0.2");
    merges.slice(1).forEach((merge, i) => assert.equal(vocab[merge.replace(" ", "")], 512 + i, merge));
    assert.ok(merges.length > 30);
    const config = JSON.parse(files["tokenizer_config.json"] ?? "");
    assert.equal(config.model_max_length, 77);
    assert.equal(config.pad_token, "<|endoftext|>");
  });

  test("the byte table matches CLIP's real vocabulary", async () => {
    const real = join(CLIP_TOKENIZER_DIR, "vocab.json");
    const clip = JSON.parse(await readFile(real, "utf8")) as Record<string, number>;
    for (const [token, id] of Object.entries(vocab)) {
      if (id < 512) assert.equal(clip[token], id, token);
    }
  });
});

describe("float16", () => {
  test("encodes with round-to-nearest-even, subnormals and overflow", () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [70000, 0x7c00],
      [2 ** -24, 0x0001], [2 ** -26, 0x0000], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00],
    ];
    for (const [value, bits] of cases) assert.equal(float16Bits(value), bits, `float16Bits(${value})`);
    assert.ok(Number.isNaN(float16Value(float16Bits(NaN))));
    for (const value of [0.5, -3.25, 999, 2 ** -20, 1024]) assert.equal(float16Value(float16Bits(value)), value);
  });
});

describe("family variants", () => {
  const readJson = async (dir: string, file: string) => JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown>;

  test("each family carries its published scheduler config, tokenizer padding and UNet config", async () => {
    const expected = {
      tiny: { scheduler: "PNDMScheduler", pad: "<|endoftext|>", sampleSize: 64, condDim: null },
      "tiny-sd2": { scheduler: "DDIMScheduler", pad: "!", sampleSize: 96, condDim: null },
      "tiny-turbo": { scheduler: "EulerDiscreteScheduler", pad: "<|endoftext|>", sampleSize: 64, condDim: null },
      "tiny-lcm": { scheduler: "LCMScheduler", pad: "<|endoftext|>", sampleSize: 64, condDim: 256 },
    } as const;
    for (const [variant, want] of Object.entries(expected)) {
      const dir = join(root, `family-${variant}`);
      await synthesizeModel(dir, variant as keyof typeof expected);
      const scheduler = await readJson(dir, "scheduler/scheduler_config.json");
      assert.equal(scheduler._class_name, want.scheduler, variant);
      assert.equal((await readJson(dir, "tokenizer/special_tokens_map.json")).pad_token, want.pad, variant);
      const unet = await readJson(dir, "unet/config.json");
      assert.equal(unet.sample_size, want.sampleSize, variant);
      assert.equal(unet.time_cond_proj_dim, want.condDim, variant);
      assert.equal(unet.cross_attention_dim, variant === "tiny-sd2" ? 1024 : 32, variant);
      if (variant === "tiny-sd2") assert.equal(scheduler.prediction_type, "v_prediction");
      if (variant === "tiny-turbo") assert.equal(scheduler.timestep_spacing, "trailing");
    }
  });
});
