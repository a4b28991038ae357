import assert from "node:assert/strict";
import { test } from "node:test";
import { selectPipelineFiles } from "../../src/models/file-selection.ts";
import { ModelNotUsableError } from "../../src/models/index.ts";
import type { RepoFile } from "../../src/models/index.ts";

const lfs = (path: string, size = 100): RepoFile => ({ path, size, sha256: "a".repeat(64) });
const git = (path: string): RepoFile => ({ path, size: 10, gitOid: "b".repeat(40) });

/** The layout of onnx-community/stable-diffusion-v1-5-ONNX (diffusers script export: model.onnx + weights.pb). */
const SD15_ONNX: RepoFile[] = [
  git(".gitattributes"),
  git("README.md"),
  git("model_index.json"),
  git("feature_extractor/preprocessor_config.json"),
  lfs("safety_checker/model.onnx"),
  git("scheduler/scheduler_config.json"),
  lfs("text_encoder/model.onnx"),
  git("tokenizer/merges.txt"),
  git("tokenizer/special_tokens_map.json"),
  git("tokenizer/tokenizer_config.json"),
  git("tokenizer/vocab.json"),
  lfs("unet/model.onnx"),
  lfs("unet/weights.pb"),
  lfs("vae_decoder/model.onnx"),
  lfs("vae_encoder/model.onnx"),
];

test("an SD 1.5 ONNX export: every pipeline file, the safety checker and its feature extractor, nothing else", () => {
  const { files } = selectPipelineFiles(SD15_ONNX, "fp32", "r");
  assert.deepEqual(files.map((f) => f.localPath).sort(), SD15_ONNX.map((f) => f.path).filter((p) => !p.startsWith(".") && p !== "README.md").sort());
});

test("other frameworks' weights and other precisions are skipped", () => {
  const listing = [
    ...SD15_ONNX,
    lfs("unet/diffusion_pytorch_model.safetensors"),
    lfs("unet/diffusion_pytorch_model.fp16.safetensors"),
    lfs("text_encoder/pytorch_model.bin"),
    lfs("vae_decoder/diffusion_flax_model.msgpack"),
    lfs("unet/model_fp16.onnx"),
    lfs("unet/model_quantized.onnx"),
    lfs("tokenizer/flax_model.msgpack"),
    git("unet/config.json"),
  ];
  const { files } = selectPipelineFiles(listing, "fp32", "r");
  const paths = files.map((f) => f.path);
  for (const skipped of ["safetensors", ".bin", "msgpack", "model_fp16", "quantized"]) assert.ok(!paths.some((p) => p.includes(skipped)), skipped);
  assert.ok(paths.includes("unet/config.json"));
});

test("fp16: a component's model_fp16.onnx (and its data) is stored as model.onnx; components without one stay fp32", () => {
  const listing = [...SD15_ONNX, lfs("unet/model_fp16.onnx"), lfs("unet/model_fp16.onnx_data"), lfs("text_encoder/model_fp16.onnx")];
  const { files, precisionByComponent } = selectPipelineFiles(listing, "fp16", "r");
  const unet = files.filter((f) => f.path.startsWith("unet/")).map((f) => [f.path, f.localPath]);
  assert.deepEqual(unet, [
    ["unet/model_fp16.onnx", "unet/model.onnx"],
    ["unet/model_fp16.onnx_data", "unet/model_fp16.onnx_data"],
  ]);
  assert.deepEqual(precisionByComponent, { text_encoder: "fp16", unet: "fp16", vae_encoder: "fp32", vae_decoder: "fp32", safety_checker: "fp32" });
});

test("optimum's model.onnx_data external data is taken", () => {
  const listing = SD15_ONNX.filter((f) => f.path !== "unet/weights.pb").concat(lfs("unet/model.onnx_data"));
  assert.ok(selectPipelineFiles(listing, "fp32", "r").files.some((f) => f.path === "unet/model.onnx_data"));
});

test("a repository without the ONNX layout is refused, naming what it lacks", () => {
  const pytorchOnly = [git("model_index.json"), lfs("unet/diffusion_pytorch_model.safetensors"), git("tokenizer/vocab.json")];
  assert.throws(() => selectPipelineFiles(pytorchOnly, "fp32", "someone/sd15"), (error: unknown) => {
    assert.ok(error instanceof ModelNotUsableError);
    assert.match(error.message, /^someone\/sd15 is not a Stable Diffusion ONNX export in the diffusers layout: it lacks text_encoder\/model\.onnx, unet\/model\.onnx, vae_encoder\/model\.onnx, vae_decoder\/model\.onnx, tokenizer\/merges\.txt, scheduler\/scheduler_config\.json/);
    return true;
  });
});
