import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runScript } from "./cli-runner.ts";
import { closedPort } from "./closed-port.ts";

const SCRIPT = "src/index.ts";

test("npm start with a token, no model and an unreachable hub names the host and the ways on, without a stack trace or the token", { timeout: 120_000 }, async () => {
  const modelsDir = await mkdtemp(join(tmpdir(), "reroll-offline-"));
  const port = await closedPort();
  const token = "hf_doNotPrintThisToken123";
  try {
    const result = await runScript(SCRIPT, [], {
      DISCORD_TOKEN: "fake.discord.token",
      HF_ENDPOINT: `http://127.0.0.1:${port}`,
      HF_TOKEN: token,
      MODELS_DIR: modelsDir,
      DATABASE_URL: `file:${join(modelsDir, "db.sqlite")}`,
    });
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 1, output);
    assert.match(result.stderr, new RegExp(`Could not reach the Hugging Face Hub at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.match(result.stderr, /MODEL_DIR=\/path\/to\/sd15-onnx/);
    assert.match(result.stderr, /MODEL=synthetic/);
    assert.doesNotMatch(output, /\n\s+at /, "a stack trace was printed");
    assert.ok(!output.includes(token), "the HF token was printed");
    assert.ok(!output.includes("fake.discord.token"), "the Discord token was printed");
  } finally {
    await rm(modelsDir, { recursive: true, force: true });
  }
});

test("npm run generate without a model and with the hub unreachable says the same, and writes no image", { timeout: 120_000 }, async () => {
  const modelsDir = await mkdtemp(join(tmpdir(), "reroll-offline-"));
  const port = await closedPort();
  try {
    const out = join(modelsDir, "fox.png");
    const result = await runScript("scripts/generate.ts", ["--prompt", "a fox", "--out", out], { HF_ENDPOINT: `http://127.0.0.1:${port}`, MODELS_DIR: modelsDir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`Could not reach the Hugging Face Hub at http://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(await stat(out).then(() => true, () => false), false);
  } finally {
    await rm(modelsDir, { recursive: true, force: true });
  }
});
