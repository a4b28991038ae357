import assert from "node:assert/strict";
import { test } from "node:test";
import { toRepoFile } from "../../src/models/hub-client.ts";

test("a listing entry is verified by its LFS sha256, else its git blob id; a Xet file without an LFS pointer by its size only", () => {
  const sha256 = "c".repeat(64);
  assert.deepEqual(toRepoFile({ type: "file", path: "unet/weights.pb", size: 5, oid: "p".repeat(40), lfs: { oid: sha256, size: 5, pointerSize: 130 } }), {
    path: "unet/weights.pb",
    size: 5,
    sha256,
  });
  assert.deepEqual(toRepoFile({ type: "file", path: "model_index.json", size: 7, oid: "a".repeat(40) }), { path: "model_index.json", size: 7, gitOid: "a".repeat(40) });
  assert.deepEqual(toRepoFile({ type: "file", path: "unet/model.onnx", size: 9, oid: "b".repeat(40), xetHash: "d".repeat(64) }), { path: "unet/model.onnx", size: 9 });
});
