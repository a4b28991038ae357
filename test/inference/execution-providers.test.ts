import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { cudaProviderInstalled, providerCandidates } from "../../src/inference/onnx/execution-providers.ts";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { dirname, join } from "node:path";
import { syntheticModel } from "../helpers/synthetic-models.ts";

type ExecutionProvidersModule = typeof import("../../src/inference/onnx/execution-providers.ts");

/** Where onnxruntime-node 1.x keeps its native libraries, below its package folder. */
const NATIVE_DIR = join("bin", "napi-v6", process.platform, process.arch);
const CUDA_LIBRARY = process.platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";

/**
 * execution-providers.ts loaded beside a stand-in onnxruntime-node package, with or without the CUDA provider
 * library, so both answers of `auto` are checked on any host.
 */
async function withStandInOnnxRuntime(cudaInstalled: boolean): Promise<{ module: ExecutionProvidersModule; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "reroll-ort-standin-"));
  const pkg = join(root, "node_modules", "onnxruntime-node");
  await mkdir(join(pkg, "dist"), { recursive: true });
  await mkdir(join(pkg, NATIVE_DIR), { recursive: true });
  await writeFile(join(pkg, "package.json"), JSON.stringify({ name: "onnxruntime-node", main: "dist/index.js" }));
  await writeFile(join(pkg, "dist", "index.js"), "module.exports = {};\n");
  if (cudaInstalled) await writeFile(join(pkg, NATIVE_DIR, CUDA_LIBRARY), "");
  const copy = join(root, "execution-providers.ts");
  await copyFile(new URL("../../src/inference/onnx/execution-providers.ts", import.meta.url), copy);
  const module = (await import(copy)) as ExecutionProvidersModule;
  return { module, cleanup: () => rm(root, { recursive: true, force: true }) };
}

test("provider candidates: explicit choices and lists (duplicates dropped, order kept)", () => {
  assert.deepEqual(providerCandidates("cpu"), ["cpu"]);
  assert.deepEqual(providerCandidates("cuda"), ["cuda"]);
  assert.deepEqual(providerCandidates(["cuda", "cpu", "cuda"]), ["cuda", "cpu"]);
  assert.deepEqual(providerCandidates(["cpu", "cuda"]), ["cpu", "cuda"]);
});

test("auto tries CUDA then CPU where the CUDA provider library is installed, and only CPU where it is not", async () => {
  const withCuda = await withStandInOnnxRuntime(true);
  const withoutCuda = await withStandInOnnxRuntime(false);
  try {
    assert.equal(withCuda.module.cudaProviderInstalled(), true);
    assert.deepEqual(withCuda.module.providerCandidates("auto"), ["cuda", "cpu"]);
    assert.equal(withoutCuda.module.cudaProviderInstalled(), false);
    assert.deepEqual(withoutCuda.module.providerCandidates("auto"), ["cpu"]);
  } finally {
    await Promise.all([withCuda.cleanup(), withoutCuda.cleanup()]);
  }
});

test("the library is looked for where the installed onnxruntime-node keeps its native binding", () => {
  const pkg = dirname(dirname(createRequire(import.meta.url).resolve("onnxruntime-node")));
  assert.ok(existsSync(join(pkg, NATIVE_DIR, "onnxruntime_binding.node")), `no binding in ${join(pkg, NATIVE_DIR)}`);
});

test("a CUDA-or-CPU list falls back to CPU and says which provider runs", { skip: cudaProviderInstalled() && "the CUDA provider is installed here" }, async () => {
  const messages: string[] = [];
  const path = join(await syntheticModel("tiny"), "text_encoder", "model.onnx");
  const session = await ModelSession.load("text_encoder", path, { executionProviders: ["cuda", "cpu"], log: (m) => messages.push(m) });
  try {
    assert.equal(session.provider, "cpu");
    assert.ok(messages.some((m) => /falling back to CPU/.test(m)));
    assert.ok(messages.some((m) => /loaded on the CPU execution provider/.test(m)));
  } finally {
    await session.release();
  }
});

test("CUDA alone fails with a message that says how to install it", { skip: cudaProviderInstalled() && "the CUDA provider is installed here" }, async () => {
  const path = join(await syntheticModel("tiny"), "text_encoder", "model.onnx");
  await assert.rejects(ModelSession.load("text_encoder", path, { executionProviders: "cuda" }), /npm run install-cuda/);
});
