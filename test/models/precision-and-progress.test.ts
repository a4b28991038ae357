import assert from "node:assert/strict";
import { test } from "node:test";
import { choosePrecision, renderDownloadProgress } from "../../src/models/index.ts";

test("MODEL_PRECISION=auto takes fp16 only where CUDA will run the model; fp32 and fp16 are taken as set", () => {
  assert.equal(choosePrecision("auto", "cuda", false), "fp16");
  assert.equal(choosePrecision("auto", "auto", true), "fp16");
  assert.equal(choosePrecision("auto", "auto", false), "fp32");
  assert.equal(choosePrecision("auto", "cpu", true), "fp32");
  assert.equal(choosePrecision("fp32", "cuda", true), "fp32");
  assert.equal(choosePrecision("fp16", "cpu", false), "fp16");
});

test("the progress line shows bytes, speed of this run (resumed bytes excluded) and the ETA", () => {
  const line = renderDownloadProgress({ doneBytes: 3_000_000_000, totalBytes: 5_000_000_000, resumedBytes: 1_000_000_000, file: "unet/weights.pb" }, 40_000, 10);
  assert.equal(line, "[██████░░░░] 3.00 GB / 5.00 GB  50.0 MB/s  ETA 40s");
  const start = renderDownloadProgress({ doneBytes: 0, totalBytes: 5_000_000_000, resumedBytes: 0, file: "" }, 0, 10);
  assert.equal(start, "[░░░░░░░░░░] 0 B / 5.00 GB  0 B/s  ETA --");
});
