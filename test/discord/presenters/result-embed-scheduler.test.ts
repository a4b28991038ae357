import assert from "node:assert/strict";
import { test } from "node:test";
import type { GenerationRecord } from "../../../src/db/types.ts";
import { resultEmbed } from "../../../src/discord/presenters/job-messages.ts";
import { SAMPLER_LABELS, SCHEDULER_NAMES } from "../../../src/inference/index.ts";

const job = (scheduler: string) => ({ id: 7, kind: "txt2img", prompt: "a fox", negativePrompt: "", steps: 2, guidance: 7.5, scheduler, width: 64, height: 64, parentId: null, model: "sd15", imageCount: 1, variationSeed: null }) as unknown as GenerationRecord;
const result = { png: Buffer.alloc(0), seed: 1n, runMs: 10, msPerStep: 5, warnings: [] };
const schedulerField = (scheduler: string) => resultEmbed(job(scheduler), result, "r.png").fields?.find((f) => f.name === "Scheduler")?.value;

test("a result's card names every scheduler as the PNG does (pndm is PLMS, SD 1.x's default)", () => {
  for (const name of SCHEDULER_NAMES) assert.equal(schedulerField(name), SAMPLER_LABELS[name], name);
  assert.equal(schedulerField("pndm"), "PLMS");
  assert.equal(schedulerField("unknown-old"), "unknown-old", "a name no longer offered is shown as stored");
});
