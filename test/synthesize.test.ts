import assert from "node:assert/strict";
import { access, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import ort from "onnxruntime-node";
import { float16Bits, float16Value } from "../scripts/synthesize/float16.ts";
import { SIZE_SPECS, SYNTHETIC_VARIANTS, synthesizeModel, type SyntheticVariant } from "../scripts/synthesize/index.ts";

const TINY_VARIANTS = ["tiny", "tiny-optimum", "tiny-legacy", "tiny-fp16"] as const;
const TEXT = SIZE_SPECS.tiny.text;

/** Floats of an output tensor, decoding float16. */
function floats(tensor: ort.Tensor): Float32Array {
  if (tensor.type === "float16") return Float32Array.from(tensor.data as Uint16Array, float16Value);
  assert.equal(tensor.type, "float32");
  return tensor.data as Float32Array;
}

function floatTensor(variant: SyntheticVariant, values: Float32Array, dims: number[]): ort.Tensor {
  return variant.precision === "fp16"
    ? new ort.Tensor("float16", Uint16Array.from(values, float16Bits), dims)
    : new ort.Tensor("float32", values, dims);
}

/** A smooth deterministic pattern in about [−scale, scale]. */
function pattern(count: number, phase: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.731 + phase) * scale);
}

function assertFinite(values: Float32Array, what: string): void {
  assert.ok(values.every(Number.isFinite), `${what} has a NaN or an infinity`);
}

function meanAbsDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function meanAbs(a: Float32Array): number {
  return a.reduce((sum, x) => sum + Math.abs(x), 0) / a.length;
}

function metadata(session: ort.InferenceSession, io: "input" | "output"): { name: string; type: string; shape: (number | string)[] }[] {
  const list = io === "input" ? session.inputMetadata : session.outputMetadata;
  return list.map((entry) => {
    assert.ok(entry.isTensor);
    return { name: entry.name, type: entry.type, shape: [...entry.shape] };
  });
}

for (const name of TINY_VARIANTS) {
  describe(`synthetic model "${name}"`, () => {
    const variant: SyntheticVariant = SYNTHETIC_VARIANTS[name];
    const floatType = variant.precision === "fp16" ? "float16" : "float32";
    const optimum = variant.axisNames === "optimum";
    const batch = optimum ? "batch_size" : "batch";
    const sequence = optimum ? "sequence_length" : "sequence";
    let dir: string;
    let vocab: Record<string, number>;
    const sessions = {} as Record<"text_encoder" | "unet" | "vae_encoder" | "vae_decoder", ort.InferenceSession>;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "reroll-synth-"));
      await synthesizeModel(dir, name);
      vocab = JSON.parse(await readFile(join(dir, "tokenizer/vocab.json"), "utf8")) as Record<string, number>;
      for (const model of ["text_encoder", "unet", "vae_encoder", "vae_decoder"] as const) {
        sessions[model] = await ort.InferenceSession.create(join(dir, model, "model.onnx"));
      }
    });
    after(async () => {
      for (const session of Object.values(sessions)) await session.release();
      await rm(dir, { recursive: true, force: true });
    });

    test("writes the export layout, with the UNet's weights where the variant says", async () => {
      for (const file of ["model_index.json", "SYNTHETIC.md", "scheduler/scheduler_config.json", "vae_decoder/config.json",
        "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json"]) {
        await access(join(dir, file));
      }
      for (const data of ["weights.pb", "model.onnx_data"]) {
        const present = await access(join(dir, "unet", data)).then(() => true, () => false);
        assert.equal(present, variant.externalData === data, `unet/${data}`);
      }
      const unetBytes = (await stat(join(dir, "unet/model.onnx"))).size;
      if (variant.externalData === "none") assert.ok(unetBytes > 1_000_000, "inline UNet holds its weights");
      else assert.ok(unetBytes < 200_000, "external-data UNet keeps only the graph inline");
      assert.match(await readFile(join(dir, "SYNTHETIC.md"), "utf8"), /random/);
    });

    test("text_encoder: I/O metadata, finite states, pooler at the end-of-text token", async () => {
      const session = sessions.text_encoder;
      assert.deepEqual(metadata(session, "input"), [{ name: "input_ids", type: variant.inputIds, shape: [batch, sequence] }]);
      assert.deepEqual(metadata(session, "output"), [
        { name: "last_hidden_state", type: floatType, shape: [batch, sequence, TEXT.hidden] },
        { name: "pooler_output", type: floatType, shape: [batch, TEXT.hidden] },
      ]);
      const bos = vocab["<|startoftext|>"];
      const eos = vocab["<|endoftext|>"];
      const prompt = [vocab["a</w>"], vocab["photo</w>"], vocab["of</w>"], vocab["a</w>"], vocab["cat</w>"]];
      const ids = [bos, ...prompt, eos];
      const row = [...ids, ...new Array(77 - ids.length).fill(eos)];
      const rows = [...row, ...[bos, eos, ...new Array(75).fill(eos)]];
      const input = variant.inputIds === "int32"
        ? new ort.Tensor("int32", Int32Array.from(rows), [2, 77])
        : new ort.Tensor("int64", BigInt64Array.from(rows, BigInt), [2, 77]);
      const out = await session.run({ input_ids: input });
      assert.deepEqual(out.last_hidden_state!.dims, [2, 77, TEXT.hidden]);
      assert.deepEqual(out.pooler_output!.dims, [2, TEXT.hidden]);
      const hidden = floats(out.last_hidden_state!);
      const pooled = floats(out.pooler_output!);
      assertFinite(hidden, "last_hidden_state");
      // The first eos (the argmax of the ids) sits at position 6 in row 0 and 1 in row 1.
      assert.deepEqual(pooled.subarray(0, TEXT.hidden), hidden.subarray(6 * TEXT.hidden, 7 * TEXT.hidden));
      const row1 = 77 * TEXT.hidden;
      assert.deepEqual(pooled.subarray(TEXT.hidden), hidden.subarray(row1 + TEXT.hidden, row1 + 2 * TEXT.hidden));
      // Causal attention: the states before the prompts diverge are equal (both rows start with bos).
      assert.deepEqual(hidden.subarray(0, TEXT.hidden), hidden.subarray(row1, row1 + TEXT.hidden));
      assert.ok(meanAbsDifference(hidden.subarray(TEXT.hidden, 2 * TEXT.hidden), hidden.subarray(row1 + TEXT.hidden, row1 + 2 * TEXT.hidden)) > 0.01);
    });

    describe("unet", () => {
      const latent = 8; // a 64×64 image
      const context = (phase: number) => floatTensor(variant, pattern(2 * 77 * TEXT.hidden, phase), [2, 77, TEXT.hidden]);
      const sample = (phase: number) => floatTensor(variant, pattern(2 * 4 * latent * latent, phase), [2, 4, latent, latent]);
      const timestep = (t: number): ort.Tensor => {
        const dims = { one: [1], batch: [2], scalar: [] }[variant.timestepShape];
        const count = Math.max(1, dims[0] ?? 1);
        const values = new Array<number>(count).fill(t);
        if (variant.timestepType === "int64") return new ort.Tensor("int64", BigInt64Array.from(values, BigInt), dims);
        if (variant.timestepType === "float16") return new ort.Tensor("float16", Uint16Array.from(values, float16Bits), dims);
        return new ort.Tensor("float32", Float32Array.from(values), dims);
      };
      const run = async (samplePhase: number, t: number, contextPhase: number): Promise<Float32Array> => {
        const out = await sessions.unet.run({ sample: sample(samplePhase), timestep: timestep(t), encoder_hidden_states: context(contextPhase) });
        assert.deepEqual(out.out_sample!.dims, [2, 4, latent, latent]);
        assert.equal(out.out_sample!.type, floatType);
        return floats(out.out_sample!);
      };

      test("I/O metadata", () => {
        const timestepShape = { one: [1], batch: [batch], scalar: [] }[variant.timestepShape];
        const spatial = ["height", "width"]; // both exporters name the UNet axes so
        assert.deepEqual(metadata(sessions.unet, "input"), [
          { name: "sample", type: floatType, shape: [batch, optimum ? 4 : "channels", ...spatial] },
          { name: "timestep", type: variant.timestepType, shape: timestepShape },
          { name: "encoder_hidden_states", type: floatType, shape: [batch, sequence, TEXT.hidden] },
        ]);
        assert.deepEqual(metadata(sessions.unet, "output"), [{ name: "out_sample", type: floatType, shape: [batch, 4, ...spatial] }]);
      });

      test("gives finite outputs of order 1 that depend on the sample, the timestep and the text", async () => {
        const base = await run(0, 500, 0);
        assertFinite(base, "out_sample");
        const scale = meanAbs(base);
        assert.ok(scale > 0.05 && scale < 5, `mean |out_sample| = ${scale}`);
        assert.deepEqual(await run(0, 500, 0), base, "deterministic");
        for (const [what, other] of [["sample", await run(1, 500, 0)], ["timestep", await run(0, 900, 0)], ["text", await run(0, 500, 1)]] as const) {
          assert.ok(meanAbsDifference(base, other) > 0.01 * scale, `out_sample ignores the ${what}`);
        }
      });

      test("runs at a non-square size", async () => {
        const out = await sessions.unet.run({
          sample: floatTensor(variant, pattern(2 * 4 * 4 * 12, 0), [2, 4, 4, 12]),
          timestep: timestep(10),
          encoder_hidden_states: context(0),
        });
        assert.deepEqual(out.out_sample!.dims, [2, 4, 4, 12]);
        assertFinite(floats(out.out_sample!), "out_sample");
      });
    });

    test("vae_encoder: 8× down to the latent (mean) or the latent parameters", async () => {
      const [height, width] = optimum ? ["height", "width"] : ["image_height", "image_width"];
      const [lh, lw] = optimum ? ["height_latent", "width_latent"] : ["height", "width"];
      const channels = variant.vaeEncoderOutput === "latent_sample" ? 4 : 8;
      assert.deepEqual(metadata(sessions.vae_encoder, "input"), [{ name: "sample", type: floatType, shape: [batch, optimum ? 3 : "channels", height, width] }]);
      assert.deepEqual(metadata(sessions.vae_encoder, "output"), [{ name: variant.vaeEncoderOutput, type: floatType, shape: [batch, channels, lh, lw] }]);
      const image = floatTensor(variant, pattern(3 * 64 * 48, 0), [1, 3, 64, 48]);
      const first = await sessions.vae_encoder.run({ sample: image });
      const out = first[variant.vaeEncoderOutput]!;
      assert.deepEqual(out.dims, [1, channels, 8, 6]);
      const values = floats(out);
      assertFinite(values, variant.vaeEncoderOutput);
      assert.deepEqual(floats((await sessions.vae_encoder.run({ sample: image }))[variant.vaeEncoderOutput]!), values, "deterministic");
      if (variant.vaeEncoderOutput === "latent_parameters") {
        const logvar = values.subarray(4 * 8 * 6);
        assert.ok(logvar.every((x) => x > -7 && x < -3), "logvar is sane, around −5");
      }
    });

    test("vae_decoder: 8× up to an image in [−1, 1]", async () => {
      const [height, width] = optimum ? ["height", "width"] : ["image_height", "image_width"];
      const [lh, lw] = optimum ? ["height_latent", "width_latent"] : ["height", "width"];
      assert.deepEqual(metadata(sessions.vae_decoder, "input"), [{ name: "latent_sample", type: floatType, shape: [batch, optimum ? 4 : "channels", lh, lw] }]);
      assert.deepEqual(metadata(sessions.vae_decoder, "output"), [{ name: "sample", type: floatType, shape: [batch, 3, height, width] }]);
      const out = await sessions.vae_decoder.run({ latent_sample: floatTensor(variant, pattern(2 * 4 * 8 * 6, 0, 5), [2, 4, 8, 6]) });
      assert.deepEqual(out.sample!.dims, [2, 3, 64, 48]);
      const values = floats(out.sample!);
      assertFinite(values, "sample");
      assert.ok(values.every((x) => x >= -1 && x <= 1));
      assert.ok(meanAbs(values) > 0.05, "not a flat image");
    });
  });
}
