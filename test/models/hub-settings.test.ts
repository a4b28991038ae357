import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, DEFAULT_HUB_URL, DEFAULT_MODEL, loadConfig } from "../../src/config.ts";

test("hub settings: HF_ENDPOINT loses its trailing slash, defaults apply, and a malformed HF_TOKEN is refused without echoing it", () => {
  const config = loadConfig({ HF_ENDPOINT: "https://hf-mirror.example.com//", HF_TOKEN: "hf_abc" });
  assert.equal(config.hubUrl, "https://hf-mirror.example.com");
  assert.equal(config.hfToken, "hf_abc");
  const defaults = loadConfig({});
  assert.equal(defaults.hubUrl, DEFAULT_HUB_URL);
  assert.equal(defaults.model, DEFAULT_MODEL);
  assert.equal(defaults.modelPrecision, "auto");
  assert.throws(() => loadConfig({ HF_TOKEN: "ghp_notAHuggingFaceToken" }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /HF_TOKEN: must be a Hugging Face access token \(it starts with hf_\)/);
    assert.ok(!error.message.includes("ghp_notAHuggingFaceToken"));
    return true;
  });
});
