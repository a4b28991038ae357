import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ValueInfo } from "../../src/inference/onnx/model-session.ts";
import { ModelFolderError } from "../../src/inference/pipeline/errors.ts";
import { recognizeFamily, type FamilyEvidence } from "../../src/inference/pipeline/model-family.ts";
import type { ModelFolder } from "../../src/inference/pipeline/model-folder.ts";
import type { SchedulerConfigFile } from "../../src/inference/schedulers/scheduler-config.ts";

const SD15_SCHEDULER = { _class_name: "PNDMScheduler", beta_schedule: "scaled_linear", steps_offset: 1 };

/** Evidence of an export with the given UNet inputs (name → shape) and text width; no files are read. */
function evidence(overrides: {
  unet?: Record<string, (number | string)[]>;
  textWidth?: number | string;
  scheduler?: Record<string, unknown>;
  unetConfig?: Record<string, unknown>;
  padsWithOtherThanEos?: boolean;
}): FamilyEvidence {
  const textWidth = overrides.textWidth ?? 768;
  const unet = overrides.unet ?? {
    sample: ["batch", 4, "height", "width"],
    timestep: ["batch"],
    encoder_hidden_states: ["batch", "sequence", textWidth],
  };
  const unetInputs = new Map<string, ValueInfo>(Object.entries(unet).map(([name, shape]) => [name, { name, type: "float32", shape }]));
  const model = { dir: "/models/x", vaeScaleFactor: 8, unetConfig: overrides.unetConfig } as ModelFolder;
  return {
    model,
    schedulerConfig: (overrides.scheduler ?? SD15_SCHEDULER) as SchedulerConfigFile,
    unetInputs,
    textOutput: { name: "last_hidden_state", type: "float32", shape: ["batch", "sequence", textWidth] },
    padsWithOtherThanEos: overrides.padsWithOtherThanEos ?? false,
  };
}

describe("recognizeFamily", () => {
  test("SD 1.x and SD 2.x by text width; the tokenizer's padding decides only for other widths", () => {
    assert.equal(recognizeFamily(evidence({ textWidth: 768, padsWithOtherThanEos: true })).name, "sd1");
    assert.equal(recognizeFamily(evidence({ textWidth: 1024 })).name, "sd2");
    assert.equal(recognizeFamily(evidence({ textWidth: 32, padsWithOtherThanEos: true })).name, "sd2");
    assert.equal(recognizeFamily(evidence({ textWidth: 32 })).name, "sd1");
  });

  test("native size: a fixed sample shape, else unet/config.json's sample_size × 8, else 768 for SD 2 v-prediction, 512 otherwise", () => {
    const fixed = evidence({ unet: { sample: [2, 4, 96, 64], timestep: [1], encoder_hidden_states: [2, 77, 1024] }, textWidth: 1024 });
    const { width, height } = recognizeFamily(fixed).defaults;
    assert.deepEqual({ width, height }, { width: 512, height: 768 });
    assert.equal(recognizeFamily(evidence({ textWidth: 1024, unetConfig: { sample_size: 96 } })).defaults.width, 768);
    const v = { _class_name: "DDIMScheduler", prediction_type: "v_prediction" };
    assert.equal(recognizeFamily(evidence({ textWidth: 1024, scheduler: v })).defaults.width, 768);
    assert.equal(recognizeFamily(evidence({ textWidth: 1024, scheduler: { ...v, prediction_type: "epsilon" } })).defaults.width, 512);
    assert.equal(recognizeFamily(evidence({})).defaults.width, 512);
  });

  test("an LCM UNet's guidance width comes from timestep_cond's shape, else unet/config.json", () => {
    const unet = { sample: ["b", 4, "h", "w"], timestep: ["b"], encoder_hidden_states: ["b", "s", 768], timestep_cond: ["b", 256] };
    assert.equal(recognizeFamily(evidence({ unet })).timeCondProjDim, 256);
    const dynamic = { ...unet, timestep_cond: ["b", "d"] };
    assert.equal(recognizeFamily(evidence({ unet: dynamic, unetConfig: { time_cond_proj_dim: 512 } })).timeCondProjDim, 512);
    assert.throws(() => recognizeFamily(evidence({ unet: dynamic })), (e: Error) => e instanceof ModelFolderError && /time_cond_proj_dim/.test(e.message));
  });

  test("what no family has fails, naming what was found", () => {
    const sdxl = { sample: ["b", 4, "h", "w"], timestep: ["b"], encoder_hidden_states: ["b", "s", 2048], text_embeds: ["b", 1280], time_ids: ["b", 6] };
    assert.throws(() => recognizeFamily(evidence({ unet: sdxl, textWidth: 2048 })), (e: Error) => e instanceof ModelFolderError && /`text_embeds`, `time_ids`/.test(e.message));
    const mismatch = { sample: ["b", 4, "h", "w"], timestep: ["b"], encoder_hidden_states: ["b", "s", 1024] };
    assert.throws(() => recognizeFamily(evidence({ unet: mismatch, textWidth: 768 })), (e: Error) => e instanceof ModelFolderError && /768.*1024/.test(e.message));
    assert.throws(() => recognizeFamily(evidence({ scheduler: {} })), (e: Error) => e instanceof ModelFolderError && /_class_name/.test(e.message));
  });
});
