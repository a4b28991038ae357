import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createScheduler, defaultSchedulerName, loadSchedulerConfig } from "../../src/inference/schedulers/create-scheduler.ts";
import { DDIMScheduler } from "../../src/inference/schedulers/ddim-scheduler.ts";
import { DPMSolverMultistepScheduler } from "../../src/inference/schedulers/dpm-solver-multistep-scheduler.ts";
import { EulerAncestralDiscreteScheduler } from "../../src/inference/schedulers/euler-ancestral-discrete-scheduler.ts";
import { EulerDiscreteScheduler } from "../../src/inference/schedulers/euler-discrete-scheduler.ts";
import { LCMScheduler } from "../../src/inference/schedulers/lcm-scheduler.ts";
import { PNDMScheduler } from "../../src/inference/schedulers/pndm-scheduler.ts";
import { SCHEDULER_NAMES } from "../../src/inference/schedulers/scheduler.ts";
import { SchedulerConfigError } from "../../src/inference/schedulers/scheduler-config-error.ts";
import { SD15_SCHEDULER_CONFIG } from "../../src/inference/schedulers/scheduler-config.ts";

/** SD 1.5's scheduler/scheduler_config.json as published (a PNDM config; other schedulers read its shared keys). */
const SD15_FILE = `{
  "_class_name": "PNDMScheduler",
  "_diffusers_version": "0.6.0",
  "beta_end": 0.012,
  "beta_schedule": "scaled_linear",
  "beta_start": 0.00085,
  "num_train_timesteps": 1000,
  "set_alpha_to_one": false,
  "skip_prk_steps": true,
  "steps_offset": 1,
  "trained_betas": null,
  "clip_sample": false
}`;

describe("createScheduler", () => {
  it("builds each named scheduler", () => {
    assert.deepEqual([...SCHEDULER_NAMES], ["ddim", "pndm", "dpm++2m", "euler-a", "euler", "lcm"]);
    assert.ok(createScheduler("ddim") instanceof DDIMScheduler);
    assert.ok(createScheduler("pndm") instanceof PNDMScheduler);
    assert.ok(createScheduler("dpm++2m") instanceof DPMSolverMultistepScheduler);
    assert.ok(createScheduler("euler-a") instanceof EulerAncestralDiscreteScheduler);
    assert.ok(createScheduler("euler") instanceof EulerDiscreteScheduler);
    assert.ok(createScheduler("lcm") instanceof LCMScheduler);
    assert.throws(() => createScheduler("plms" as never), /Unknown scheduler `plms`/);
  });

  it("passes the model's config through (here a linear schedule with 500 training steps)", () => {
    const scheduler = createScheduler("ddim", { beta_schedule: "linear", num_train_timesteps: 500, steps_offset: 0 });
    scheduler.setTimesteps(5);
    assert.deepEqual(scheduler.timesteps, [400, 300, 200, 100, 0]);
  });
});

describe("loadSchedulerConfig", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "reroll-scheduler-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const writeConfig = async (name: string, text: string) => {
    const modelDir = path.join(dir, name);
    await mkdir(path.join(modelDir, "scheduler"), { recursive: true });
    await writeFile(path.join(modelDir, "scheduler", "scheduler_config.json"), text);
    return modelDir;
  };

  it("gives a model without a scheduler config SD 1.5's published file", async () => {
    assert.deepEqual(await loadSchedulerConfig(path.join(dir, "missing")), SD15_SCHEDULER_CONFIG);
  });

  it("reads SD 1.5's PNDM file, which every scheduler accepts", async () => {
    const config = await loadSchedulerConfig(await writeConfig("sd15", SD15_FILE));
    assert.equal(config._class_name, "PNDMScheduler");
    const ddim = createScheduler("ddim", config);
    ddim.setTimesteps(20);
    assert.equal(ddim.timesteps[0], 951);
    for (const name of SCHEDULER_NAMES) assert.doesNotThrow(() => createScheduler(name, config));
  });

  it("accepts Python's -Infinity, as diffusers saves DPM-Solver's lambda_min_clipped", async () => {
    const config = await loadSchedulerConfig(await writeConfig("dpm", '{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "note": "-Infinity stays a string"}'));
    assert.equal(config.lambda_min_clipped, -Infinity);
    assert.equal(config.note, "-Infinity stays a string");
    assert.ok(createScheduler("dpm++2m", config) instanceof DPMSolverMultistepScheduler);
  });

  it("refuses a file that is not a JSON object, naming the file", async () => {
    const broken = await writeConfig("broken", "{ not json");
    await assert.rejects(loadSchedulerConfig(broken), (e: unknown) => e instanceof SchedulerConfigError && e.message.includes("scheduler_config.json"));
    await assert.rejects(loadSchedulerConfig(await writeConfig("array", "[1, 2]")), /JSON object/);
  });

  it("lets a bad value fail when the scheduler is built, naming the key", async () => {
    const config = await loadSchedulerConfig(await writeConfig("bad", '{"beta_schedule": "cosine"}'));
    assert.throws(() => createScheduler("euler-a", config), /`beta_schedule` to be one of/);
  });
});

describe("defaultSchedulerName: the model folder's scheduler class decides", () => {
  it("maps each diffusers class we run to our name (SD 1.x's PNDM is PLMS, as diffusers runs it)", () => {
    const cases: [string, string][] = [
      ["PNDMScheduler", "pndm"],
      ["DDIMScheduler", "ddim"],
      ["DPMSolverMultistepScheduler", "dpm++2m"],
      ["EulerAncestralDiscreteScheduler", "euler-a"],
      ["EulerDiscreteScheduler", "euler"],
      ["LCMScheduler", "lcm"],
    ];
    for (const [className, name] of cases) assert.equal(defaultSchedulerName({ _class_name: className }), name, className);
    assert.equal(defaultSchedulerName(SD15_SCHEDULER_CONFIG), "pndm");
  });

  it("refuses an unknown or missing class, naming what it found", () => {
    assert.throws(() => defaultSchedulerName({ _class_name: "UniPCMultistepScheduler" }), (e: unknown) => e instanceof SchedulerConfigError && e.message.includes('"UniPCMultistepScheduler"'));
    assert.throws(() => defaultSchedulerName({}), (e: unknown) => e instanceof SchedulerConfigError && /no `_class_name`/.test(e.message));
    assert.throws(() => defaultSchedulerName({ _class_name: "toString" }), SchedulerConfigError);
  });
});
