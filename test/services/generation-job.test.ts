import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GenerationRecord } from "../../src/db/types.ts";
import { toJob } from "../../src/services/generation-job.ts";

/** The fields toJob reads; the rest of a record does not change a job's cost. */
function record(fields: Partial<GenerationRecord>): GenerationRecord {
  return { id: 1, userId: "u", kind: "txt2img", steps: 30, strength: null, scheduler: "ddim", width: 512, height: 512, guidance: 7.5, imageCount: 1, inputHash: null, ...fields } as GenerationRecord;
}

describe("a job's size in the queue counts the UNet runs it takes", () => {
  test("one per step, and one more for PLMS, which runs its second timestep twice (diffusers' PNDM)", () => {
    assert.equal(toJob(record({ scheduler: "ddim" })).steps, 30);
    assert.equal(toJob(record({ scheduler: "pndm" })).steps, 31);
    // diffusers' torch run of 20 steps at 0.75 fed its UNet 16 timesteps (test/fixtures/diffusers-parity)
    assert.equal(toJob(record({ scheduler: "pndm", kind: "img2img", steps: 20, strength: 0.75, inputHash: "h" })).steps, 16);
    assert.equal(toJob(record({ scheduler: "euler", kind: "img2img", steps: 20, strength: 0.75, inputHash: "h" })).steps, 15);
    // a schedule of one step has no second timestep to run twice
    assert.equal(toJob(record({ scheduler: "pndm", steps: 1 })).steps, 1);
  });

  test("the cost is the runs × the area in 512² units × 2 with guidance × the images", () => {
    assert.equal(toJob(record({ scheduler: "pndm", width: 1024, height: 512, imageCount: 2 })).cost, 31 * 2 * 2 * 2);
    assert.equal(toJob(record({ scheduler: "ddim", guidance: 1 })).cost, 30);
  });
});
