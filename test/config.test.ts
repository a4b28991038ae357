import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  test("ONNX Runtime thread counts are optional whole numbers (unset: the library's default for the provider)", () => {
    const unset = loadConfig({});
    assert.equal(unset.intraOpThreads, undefined);
    assert.equal(unset.interOpThreads, undefined);
    const set = loadConfig({ ORT_INTRA_OP_THREADS: "3", ORT_INTER_OP_THREADS: "1" });
    assert.equal(set.intraOpThreads, 3);
    assert.equal(set.interOpThreads, 1);
    assert.throws(() => loadConfig({ ORT_INTRA_OP_THREADS: "0" }), (e: Error) => e instanceof ConfigError && /ORT_INTRA_OP_THREADS/.test(e.message));
    assert.throws(() => loadConfig({ ORT_INTER_OP_THREADS: "two" }), (e: Error) => e instanceof ConfigError && /ORT_INTER_OP_THREADS/.test(e.message));
  });
});
