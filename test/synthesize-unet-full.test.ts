import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import onnxProto from "onnx-proto";
import ort from "onnxruntime-node";
import { SIZE_SPECS, SYNTHETIC_VARIANTS, synthesizeModel, type SyntheticVariant } from "../scripts/synthesize/index.ts";
import { writeModelFile } from "../scripts/synthesize/model-file.ts";
import { unetFlops, unetParameterCount } from "../scripts/synthesize/unet-cost.ts";
import { buildFullUnet } from "../scripts/synthesize/unet-full.ts";
import { fullUnetPlan, type UnetSpec } from "../scripts/synthesize/unet-plan.ts";

const { onnx } = onnxProto;

/** SD 1.5's UNet (runwayml/stable-diffusion-v1-5, `sum(p.numel() for p in unet.parameters())`). */
const SD15_UNET_PARAMETERS = 859_520_964;
/** SD 1.5's structure at a tenth of its widths (GroupNorm 32 still divides every width). */
const NARROW: UnetSpec = { ...SIZE_SPECS.sd15.unet, channels: [32, 64, 128, 128] };
const CONTEXT = SIZE_SPECS.sd15.text.hidden;

/** Elements of every weight of a written model: initializers minus the builder's shape and norm constants. */
function weightElements(model: onnxProto.onnx.ModelProto): { elements: number; names: Map<string, number[]> } {
  const names = new Map<string, number[]>();
  let elements = 0;
  for (const tensor of model.graph?.initializer ?? []) {
    const name = tensor.name ?? "";
    if (name.startsWith("const_")) continue;
    const dims = (tensor.dims ?? []).map(Number);
    names.set(name, dims);
    elements += dims.reduce((a, b) => a * b, 1);
  }
  return { elements, names };
}

describe("full-structure SD 1.5 UNet", () => {
  test("the plan at SD 1.5's widths has SD 1.5's parameter count exactly", () => {
    assert.equal(unetParameterCount(fullUnetPlan(SIZE_SPECS.sd15.unet, CONTEXT)), SD15_UNET_PARAMETERS);
  });

  test("an LCM-distilled UNet adds only cond_proj (time_cond_proj_dim 256 × 320, no bias)", () => {
    assert.equal(unetParameterCount(fullUnetPlan(SIZE_SPECS.sd15.unet, CONTEXT, 256)), SD15_UNET_PARAMETERS + 256 * 320);
  });

  test("one evaluation at 64×64 latents costs about 0.8 TFLOP, twice that with CFG's batch of 2, more than 4× at twice the side", () => {
    const plan = fullUnetPlan(SIZE_SPECS.sd15.unet, CONTEXT);
    const one = unetFlops(plan, { height: 64, width: 64 });
    // About 340 G multiply-adds in convolutions and projections, plus 0.12 TFLOP of attention products at 4096 tokens.
    assert.ok(one > 0.75e12 && one < 0.85e12, `${one / 1e9} GFLOP`);
    assert.equal(unetFlops(plan, { height: 64, width: 64, batch: 2 }), 2 * one);
    // Self-attention is quadratic in tokens: 4× the pixels costs more than 4× the FLOPs.
    const bigger = unetFlops(plan, { height: 128, width: 128 });
    assert.ok(bigger > 4 * one && bigger < 6 * one, `${bigger / one}×`);
  });

  describe("written at a tenth of the widths", () => {
    let dir: string;
    let model: onnxProto.onnx.ModelProto;
    const variant: SyntheticVariant = SYNTHETIC_VARIANTS["sd15-full"];

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "reroll-unet-full-"));
      await writeModelFile(join(dir, "model.onnx"), buildFullUnet(variant, CONTEXT, NARROW), "model.onnx_data");
      model = onnx.ModelProto.decode(await readFile(join(dir, "model.onnx")));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    test("its weights' elements in the ONNX file equal the plan's count", async () => {
      const { elements } = weightElements(model);
      assert.equal(elements, unetParameterCount(fullUnetPlan(NARROW, CONTEXT)));
      assert.ok((await stat(join(dir, "model.onnx_data"))).size >= elements * 4 * 0.99, "the weights went to external data");
    });

    test("it has diffusers' blocks: 2 ResBlocks per down level, 3 per up level taking SD's skip widths", () => {
      const { names } = weightElements(model);
      for (let level = 0; level < 4; level++) {
        assert.ok(names.has(`down_blocks.${level}.resnets.1.conv2.weight`));
        assert.equal(names.has(`down_blocks.${level}.resnets.2.conv1.weight`), false);
        assert.equal(names.has(`down_blocks.${level}.attentions.1.proj_in.weight`), level < 3);
        assert.ok(names.has(`up_blocks.${level}.resnets.2.conv2.weight`));
        assert.equal(names.has(`up_blocks.${level}.attentions.2.proj_out.weight`), level > 0);
      }
      // SD 1.5's up ResBlock inputs (2560 … 640), at a tenth.
      const inputs = [0, 1, 2, 3].flatMap((u) => [0, 1, 2].map((j) => names.get(`up_blocks.${u}.resnets.${j}.conv1.weight`)?.[1]));
      assert.deepEqual(inputs, [256, 256, 256, 256, 256, 192, 192, 128, 96, 96, 64, 64]);
      assert.deepEqual(names.get("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"), [CONTEXT, 32]);
      assert.deepEqual(names.get("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight"), [128, 1024]);
    });

    test("onnxruntime runs it on a non-square latent and gives a finite [batch, 4, h, w] output", async () => {
      const session = await ort.InferenceSession.create(join(dir, "model.onnx"));
      try {
        const [batch, height, width] = [2, 16, 24];
        const sample = Float32Array.from({ length: batch * 4 * height * width }, (_, i) => Math.sin(i * 0.37));
        const states = Float32Array.from({ length: batch * 77 * CONTEXT }, (_, i) => Math.cos(i * 0.11));
        const result = await session.run({
          sample: new ort.Tensor("float32", sample, [batch, 4, height, width]),
          timestep: new ort.Tensor("float32", Float32Array.from([500, 500]), [batch]),
          encoder_hidden_states: new ort.Tensor("float32", states, [batch, 77, CONTEXT]),
        });
        const out = result.out_sample;
        assert.ok(out);
        assert.deepEqual(out.dims, [batch, 4, height, width]);
        assert.ok((out.data as Float32Array).every(Number.isFinite));
      } finally {
        await session.release();
      }
    });
  });

  test("synthesizeModel writes the full structure for a variant that asks for it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reroll-unet-full-folder-"));
    try {
      await synthesizeModel(dir, { ...SYNTHETIC_VARIANTS["sd15-full"], size: "tiny" });
      const { elements, names } = weightElements(onnx.ModelProto.decode(await readFile(join(dir, "unet/model.onnx"))));
      assert.ok(names.has("up_blocks.0.resnets.2.conv1.weight"));
      assert.equal(elements, unetParameterCount(fullUnetPlan(SIZE_SPECS.tiny.unet, SIZE_SPECS.tiny.text.hidden)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
