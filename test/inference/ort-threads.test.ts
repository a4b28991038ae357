import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { ortThreadOptions } from "../../src/inference/onnx/ort-threads.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { join } from "node:path";

describe("ONNX Runtime thread counts", () => {
  test("on CPU, ORT's operators get every core but one, so the event loop keeps a core (at least one thread)", () => {
    assert.deepEqual(ortThreadOptions("cpu", {}, 2), { intraOpNumThreads: 1 });
    assert.deepEqual(ortThreadOptions("cpu", {}, 16), { intraOpNumThreads: 15 });
    assert.deepEqual(ortThreadOptions("cpu", {}, 1), { intraOpNumThreads: 1 });
  });

  test("set counts win over the default; more than one inter-op thread turns on ORT's parallel execution mode", () => {
    assert.deepEqual(ortThreadOptions("cpu", { intraOpNumThreads: 2 }, 2), { intraOpNumThreads: 2 });
    assert.deepEqual(ortThreadOptions("cpu", { interOpNumThreads: 1 }, 4), { intraOpNumThreads: 3, interOpNumThreads: 1 });
    assert.deepEqual(ortThreadOptions("cpu", { intraOpNumThreads: 4, interOpNumThreads: 2 }, 8), {
      intraOpNumThreads: 4,
      interOpNumThreads: 2,
      executionMode: "parallel",
    });
  });

  test("on CUDA nothing changes unless a count is set (the GPU does the work; ORT's own defaults stay)", () => {
    assert.deepEqual(ortThreadOptions("cuda", {}, 2), {});
    assert.deepEqual(ortThreadOptions("cuda", { intraOpNumThreads: 3 }, 2), { intraOpNumThreads: 3 });
  });

  test("a CPU session is created with those counts and says so when it loads", async () => {
    const dir = await syntheticModel("tiny");
    const logs: string[] = [];
    const session = await ModelSession.load("unet", join(dir, "unet", "model.onnx"), { executionProviders: "cpu", intraOpNumThreads: 1, log: (m) => logs.push(m) });
    try {
      assert.deepEqual(session.threads, { intraOpNumThreads: 1 });
      assert.match(logs.join("\n"), /unet: loaded on the CPU execution provider \(1 intra-op thread\)/);
    } finally {
      await session.release();
    }
  });
});
