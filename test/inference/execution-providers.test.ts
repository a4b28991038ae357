import { test } from "node:test";
import assert from "node:assert/strict";
import { cudaProviderInstalled, providerCandidates } from "../../src/inference/onnx/execution-providers.ts";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { join } from "node:path";
import { syntheticModel } from "../helpers/synthetic-models.ts";

test("provider candidates: auto tries CUDA only where its library is installed; lists are kept in order", () => {
  assert.deepEqual(providerCandidates("cpu"), ["cpu"]);
  assert.deepEqual(providerCandidates("cuda"), ["cuda"]);
  assert.deepEqual(providerCandidates("auto"), cudaProviderInstalled() ? ["cuda", "cpu"] : ["cpu"]);
  assert.deepEqual(providerCandidates(["cuda", "cpu", "cuda"]), ["cuda", "cpu"]);
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
