import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { timestepFeed } from "../../src/inference/pipeline/unet-feeds.ts";
import { EulerDiscreteScheduler } from "../../src/inference/schedulers/euler-discrete-scheduler.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";

describe("timestepFeed", () => {
  // Euler's own "linspace" spacing on SD 1.5's file: 999, 946.42…, 893.84…, …
  const scheduler = new EulerDiscreteScheduler(SD15_SCHEDULER_CONFIG);
  scheduler.setTimesteps(20);
  const fractional = scheduler.timesteps[2]!;

  it("on an int64 or int32 export feeds the timestep truncated, as numpy's astype in diffusers' ONNX pipeline does", () => {
    assert.ok(fractional > 893.5 && fractional < 894, `${fractional}`);
    for (const type of ["int64", "int32"]) {
      assert.deepEqual(timestepFeed({ name: "timestep", type, shape: [1] }, fractional, 2).data, [893], type);
      assert.deepEqual(timestepFeed({ name: "timestep", type, shape: [] }, fractional, 2).data, [893], type);
      assert.deepEqual(timestepFeed({ name: "timestep", type, shape: ["batch"] }, fractional, 2).data, [893, 893], type);
    }
  });

  it("on a float export feeds the fractional timestep itself", () => {
    assert.deepEqual(timestepFeed({ name: "timestep", type: "float32", shape: [1] }, fractional, 2).data, [fractional]);
    assert.deepEqual(timestepFeed({ name: "timestep", type: "float16", shape: [] }, fractional, 1).data, [fractional]);
  });
});
