import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ModelSession } from "../../src/inference/onnx/model-session.ts";
import { encodePrompt } from "../../src/inference/pipeline/encode-prompt.ts";
import { ClipTokenizer } from "../../src/inference/tokenizer/clip-tokenizer.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

/** A text encoder stand-in: every id becomes a row of `width` copies of itself, so the test can read the ids back. */
function echoEncoder(width: number): { session: ModelSession; calls: number[][] } {
  const calls: number[][] = [];
  const session = {
    async run(feeds: Record<string, { data: ArrayLike<number>; dims: readonly number[] }>) {
      const ids = Array.from(feeds.input_ids!.data);
      calls.push(ids);
      const data = new Float32Array(ids.length * width);
      ids.forEach((id, i) => data.fill(id, i * width, (i + 1) * width));
      return { last_hidden_state: { data, dims: [1, ids.length, width] } };
    },
  };
  return { session: session as unknown as ModelSession, calls };
}

describe("encodePrompt", () => {
  test("tokenizes each prompt once, including for the truncation warning", async () => {
    const tokenizer = await ClipTokenizer.fromDir(`${await syntheticModel("tiny")}/tokenizer`);
    const encoded: string[] = [];
    const encode = tokenizer.encode.bind(tokenizer);
    tokenizer.encode = (text: string) => {
      encoded.push(text);
      return encode(text);
    };
    const { session, calls } = echoEncoder(3);
    const long = "cat ".repeat(80);
    const result = await encodePrompt(tokenizer, session, long, "blurry", true);
    assert.deepEqual(encoded.sort(), ["blurry", long].sort());
    assert.equal(result.truncatedTokens, 80 - 75);
    // Uncond first, then cond, each 77 ids wide, and the embedding width comes from the encoder's output.
    assert.deepEqual(result.dims, [2, 77, 3]);
    assert.deepEqual(calls.map((ids) => ids.length), [77, 77]);
    assert.equal(result.data[0], tokenizer.bosTokenId);
    const [condIds, uncondIds] = calls as [number[], number[]];
    assert.equal(result.data[3], uncondIds[1]);
    assert.equal(result.data[77 * 3 + 3], condIds[1]);
  });
});
