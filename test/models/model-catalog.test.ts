import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { folderFiles, type HubFake } from "../hub-fake/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { readRegistry, resolveModelFolder, type ModelSettings } from "../../src/models/index.ts";
import { REPO, startHubWithModel } from "./hub-model.ts";

let hub: HubFake;
let commit: string;
let settings: ModelSettings;

before(async () => {
  let modelsDir: string;
  ({ hub, commit, modelsDir } = await startHubWithModel());
  settings = { modelsDir, precision: "fp32", hub: { hubUrl: hub.hubUrl } };
});
after(async () => {
  await hub.close();
  await rm(settings.modelsDir, { recursive: true, force: true });
});

test("MODEL=owner/repo downloads once and registers it; later starts use that commit without asking the hub, even after a push", async () => {
  const starts: string[] = [];
  const first = await resolveModelFolder(settings, REPO, { onDownloadStart: (repo, revision) => starts.push(`${repo}@${revision}`) });
  assert.deepEqual(starts, [`${REPO}@main`]);
  assert.equal(first.name, "sd15-tiny-onnx");
  assert.ok(first.dir.endsWith(commit));
  const registry = await readRegistry(settings.modelsDir);
  assert.deepEqual(Object.keys(registry), ["sd15-tiny-onnx"]);

  // Someone pushes new weights to main: a user's images must not change under them.
  const files = await folderFiles(await syntheticModel("tiny"));
  const newer = hub.push(REPO, { ...files, "unet/weights.pb": Buffer.alloc(files["unet/weights.pb"]!.length, 7) });
  assert.notEqual(newer, commit);
  const requests = hub.requests.length;
  const again = await resolveModelFolder(settings, REPO, { onDownloadStart: () => assert.fail("downloaded again") });
  assert.equal(again.dir, first.dir);
  assert.equal(hub.requests.length, requests, "the hub was asked although the model is pinned");
  // And by its registered name.
  assert.equal((await resolveModelFolder(settings, "sd15-tiny-onnx")).dir, first.dir);
});

test("MODEL_PRECISION=fp16 with a repository that has no fp16 graphs: the second start is offline too", async () => {
  const fp16: ModelSettings = { ...settings, precision: "fp16" };
  const first = await resolveModelFolder(fp16, REPO);
  const requests = hub.requests.length;
  const again = await resolveModelFolder(fp16, REPO, { onDownloadStart: () => assert.fail("downloaded again") });
  assert.equal(again.dir, first.dir);
  assert.equal(hub.requests.length, requests, "the hub was asked again");
});
