import { test } from "node:test";
import assert from "node:assert/strict";
import { formatParameters, parseParameters } from "../../src/inference/index.ts";

test("the model's commit is written as A1111's Model hash, before Model, and read back", () => {
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const text = formatParameters({ prompt: "a fox", steps: 20, sampler: "DDIM", cfgScale: 7.5, seed: 1, width: 512, height: 512, model: "sd15", modelHash: commit });
  assert.match(text, new RegExp(`Size: 512x512, Model hash: ${commit}, Model: sd15$`));
  const parsed = parseParameters(text);
  assert.equal(parsed.model, "sd15");
  assert.equal(parsed.modelHash, commit);
});
