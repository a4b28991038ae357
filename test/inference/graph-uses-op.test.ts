import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { graphUsesOp } from "../../src/inference/onnx/graph-uses-op.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

test("finds an operator name anywhere in a file, also across read chunks", async () => {
  const dir = await mkdtemp(join(tmpdir(), "reroll-op-"));
  try {
    const path = join(dir, "model.onnx");
    // Straddle the 4 MiB chunk boundary so a scan without carry-over would miss it.
    const bytes = Buffer.alloc(4 * 1024 * 1024 + 64);
    bytes.write("RandomNormalLike", 4 * 1024 * 1024 - 6, "utf8");
    await writeFile(path, bytes);
    assert.equal(await graphUsesOp(path, "RandomNormalLike"), true);
    assert.equal(await graphUsesOp(path, "BiasSplitGelu"), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the synthesized VAE encoder is deterministic: no random operator", async () => {
  const dir = await syntheticModel("tiny");
  assert.equal(await graphUsesOp(join(dir, "vae_encoder", "model.onnx"), "RandomNormal"), false);
  assert.equal(await graphUsesOp(join(dir, "unet", "model.onnx"), "Conv"), true);
});
