import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SYNTHETIC_MARKER } from "../../scripts/synthesize/index.ts";
import { detectFamily } from "../../src/models/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

const root = await mkdtemp(join(tmpdir(), "reroll-family-"));
after(() => rm(root, { recursive: true, force: true }));

async function folder(name: string, index: unknown, textConfig?: unknown): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, "text_encoder"), { recursive: true });
  await writeFile(join(dir, "model_index.json"), JSON.stringify(index));
  if (textConfig) await writeFile(join(dir, "text_encoder/config.json"), JSON.stringify(textConfig));
  return dir;
}

test("the family comes from model_index.json's class and the text encoder's width, named as the pipeline names families", async () => {
  assert.equal(await detectFamily(await folder("sd15", { _class_name: "OnnxStableDiffusionPipeline" })), "sd1");
  assert.equal(await detectFamily(await folder("sd15-optimum", { _class_name: "ORTStableDiffusionPipeline" }, { hidden_size: 768 })), "sd1");
  assert.equal(await detectFamily(await folder("sd2", { _class_name: "OnnxStableDiffusionPipeline" }, { hidden_size: 1024 })), "sd2");
  assert.equal(await detectFamily(await folder("sdxl", { _class_name: "ORTStableDiffusionXLPipeline" })), "sdxl");
  assert.equal(await detectFamily(await folder("other", { _class_name: "FluxPipeline" })), "unknown");
  assert.equal(await detectFamily(join(root, "missing")), "unknown");
});

test("a synthesized model is recognised by the synthesizer's own marker", async () => {
  assert.equal(SYNTHETIC_MARKER, "_reroll_synthetic");
  assert.equal(await detectFamily(await syntheticModel("tiny")), "synthetic");
});
