import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { HubFake } from "../hub-fake/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { runScript } from "./cli-runner.ts";
import { REPO, startHubWithModel } from "./hub-model.ts";

let hub: HubFake;
let commit: string;
let modelsDir: string;
const models = (...args: string[]) => runScript("scripts/models.ts", args, { HF_ENDPOINT: `${hub.hubUrl}/`, MODELS_DIR: modelsDir, MODEL_PRECISION: "fp32" });
const exists = (path: string) => stat(path).then(() => true, () => false);

before(async () => {
  ({ hub, commit, modelsDir } = await startHubWithModel());
});
after(async () => {
  await hub.close();
  await rm(modelsDir, { recursive: true, force: true });
});

test("models add, list, verify and remove a hub model and a local folder", async () => {
  const added = await models("add", `${REPO}@main`, "--name", "tiny");
  assert.equal(added.code, 0, added.stderr);
  const dir = join(modelsDir, "hub", "fake-org--sd15-tiny-onnx", commit);
  assert.match(added.stdout, new RegExp(`Added tiny at commit ${commit}: ${dir}`));
  // HF_ENDPOINT's trailing slash was stripped: every call went to the fake's paths.
  assert.ok(hub.requests.every((r) => !r.url.startsWith("//")));

  const local = await syntheticModel("tiny");
  const addedLocal = await models("add", local, "--name", "mine");
  assert.equal(addedLocal.code, 0, addedLocal.stderr);

  const listed = await models("list");
  assert.equal(listed.code, 0, listed.stderr);
  const [header, ...rows] = listed.stdout.trim().split("\n");
  assert.match(header!, /^NAME\s+REPO\s+REVISION\s+COMMIT\s+SIZE\s+FAMILY\s+WHERE$/);
  assert.match(rows[0]!, new RegExp(`^mine\\s+local\\s+—\\s+—\\s+3\\.\\d+ MB\\s+synthetic\\s+${local}$`));
  assert.match(rows[1]!, new RegExp(`^tiny\\s+${REPO}\\s+main\\s+${commit}\\s+3\\.\\d+ MB\\s+synthetic\\s+${dir}$`));

  const verified = await models("verify", "tiny");
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /tiny: every file matches its sha256/);

  const weights = join(dir, "unet/weights.pb");
  const bytes = await readFile(weights);
  bytes[100] = (bytes[100] ?? 0) ^ 1;
  await writeFile(weights, bytes);
  const damaged = await models("verify", "tiny");
  assert.equal(damaged.code, 1);
  assert.match(damaged.stdout, /^unet\/weights\.pb: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/m);

  const removed = await models("remove", "tiny");
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await exists(dir), false);
  assert.equal((await models("remove", "mine")).code, 0);
  assert.equal(await exists(join(local, "model_index.json")), true, "a local folder must never be deleted");
  assert.match((await models("list")).stdout, /No models in/);
});

test("models add of a folder that is not a model, or an unknown name, explains itself without a stack trace", async () => {
  const empty = await mkdtemp(join(tmpdir(), "reroll-not-a-model-"));
  try {
    const result = await models("add", empty);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not a Stable Diffusion ONNX model folder: it lacks model_index\.json/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const unknown = await models("verify", "nothing");
    assert.match(unknown.stderr, /No model is named "nothing"/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("two processes adding the same model at once both end with the one verified folder; the weights are fetched once", async () => {
  const before = hub.contentRanges(REPO, "unet/weights.pb").length;
  const [a, b] = await Promise.all([models("add", REPO, "--name", "first"), models("add", REPO, "--name", "second")]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(hub.contentRanges(REPO, "unet/weights.pb").length - before, 1);
  const dir = join(modelsDir, "hub", "fake-org--sd15-tiny-onnx", commit);
  assert.ok(a.stdout.includes(dir) && b.stdout.includes(dir));
  assert.equal((await models("verify", "second")).code, 0);
});
