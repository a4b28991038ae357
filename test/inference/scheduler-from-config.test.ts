/**
 * Building a scheduler from a model's scheduler_config.json exactly as diffusers' `XScheduler.from_config` does:
 * keys present in the file (and known to X) are read, every missing key takes X's OWN `__init__` default.
 * The expected configs below are diffusers' `__init__` signatures (diffusers main, 2026) with SD 1.5's file applied.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { SCHEDULER_CONFIG as SYNTHESIZED_SD15_SCHEDULER_CONFIG } from "../../scripts/synthesize/folder-files.ts";
import { createScheduler, defaultSchedulerName } from "../../src/inference/schedulers/create-scheduler.ts";
import type { SchedulerName } from "../../src/inference/schedulers/scheduler.ts";

const SD15_FILE: Record<string, unknown> = JSON.parse(await readFile(new URL("../fixtures/schedulers/sd15-scheduler-config.json", import.meta.url), "utf8"));

/** The keys SD 1.5's file gives every scheduler (those each class's `__init__` has). */
const SD15_BETAS = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: "scaled_linear", trained_betas: null };

/** `XScheduler.from_config(sd15_file).config`, without the hidden `_class_name`/`skip_prk_steps`/… keys. */
const EXPECTED: Record<SchedulerName, Record<string, unknown>> = {
  ddim: {
    ...SD15_BETAS,
    clip_sample: false,
    set_alpha_to_one: false,
    steps_offset: 1,
    prediction_type: "epsilon",
    thresholding: false,
    dynamic_thresholding_ratio: 0.995,
    clip_sample_range: 1.0,
    sample_max_value: 1.0,
    timestep_spacing: "leading",
    rescale_betas_zero_snr: false,
  },
  pndm: {
    ...SD15_BETAS,
    skip_prk_steps: true,
    set_alpha_to_one: false,
    prediction_type: "epsilon",
    timestep_spacing: "leading",
    steps_offset: 1,
  },
  "dpm++2m": {
    ...SD15_BETAS,
    solver_order: 2,
    prediction_type: "epsilon",
    thresholding: false,
    dynamic_thresholding_ratio: 0.995,
    sample_max_value: 1.0,
    algorithm_type: "dpmsolver++",
    solver_type: "midpoint",
    lower_order_final: true,
    euler_at_final: false,
    use_karras_sigmas: false,
    use_exponential_sigmas: false,
    use_beta_sigmas: false,
    use_lu_lambdas: false,
    use_flow_sigmas: false,
    flow_shift: 1.0,
    final_sigmas_type: "zero",
    lambda_min_clipped: -Infinity,
    variance_type: null,
    timestep_spacing: "linspace",
    steps_offset: 1,
    rescale_betas_zero_snr: false,
    use_dynamic_shifting: false,
    time_shift_type: "exponential",
  },
  "euler-a": {
    ...SD15_BETAS,
    prediction_type: "epsilon",
    timestep_spacing: "linspace",
    steps_offset: 1,
    rescale_betas_zero_snr: false,
  },
  euler: {
    ...SD15_BETAS,
    prediction_type: "epsilon",
    interpolation_type: "linear",
    use_karras_sigmas: false,
    use_exponential_sigmas: false,
    use_beta_sigmas: false,
    sigma_min: null,
    sigma_max: null,
    timestep_spacing: "linspace",
    timestep_type: "discrete",
    steps_offset: 1,
    rescale_betas_zero_snr: false,
    final_sigmas_type: "zero",
  },
  lcm: {
    ...SD15_BETAS,
    original_inference_steps: 50,
    clip_sample: false,
    clip_sample_range: 1.0,
    set_alpha_to_one: false,
    steps_offset: 1,
    prediction_type: "epsilon",
    thresholding: false,
    dynamic_thresholding_ratio: 0.995,
    sample_max_value: 1.0,
    timestep_spacing: "leading",
    timestep_scaling: 10.0,
    rescale_betas_zero_snr: false,
  },
};

/** `np.linspace(0, 999, 20, dtype=np.float32)[::-1]`, Euler's and Euler a's default spacing. */
const LINSPACE_20 = [
  999, 946.4210815429688, 893.8421020507812, 841.26318359375, 788.6842041015625, 736.1052856445312, 683.5263061523438, 630.9473876953125,
  578.368408203125, 525.7894897460938, 473.2105407714844, 420.631591796875, 368.0526428222656, 315.47369384765625, 262.8947448730469,
  210.3157958984375, 157.73684692382812, 105.15789794921875, 52.578948974609375, 0,
];

/** `scheduler.timesteps` after `set_timesteps(steps)` on `XScheduler.from_config(sd15_file)` (computed with numpy). */
const EXPECTED_TIMESTEPS: [SchedulerName, number, number[]][] = [
  ["ddim", 20, Array.from({ length: 20 }, (_, i) => 951 - 50 * i)],
  ["pndm", 20, [951, 901, ...Array.from({ length: 19 }, (_, i) => 901 - 50 * i)]],
  ["dpm++2m", 20, [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50]],
  ["euler-a", 20, LINSPACE_20],
  ["euler", 20, LINSPACE_20],
  ["lcm", 4, [999, 759, 499, 259]],
];

const configOf = (name: SchedulerName, file: Record<string, unknown>) => (createScheduler(name, file) as unknown as { config: object }).config;

describe("schedulers built from SD 1.5's published scheduler_config.json take their own diffusers defaults", () => {
  for (const [name, expected] of Object.entries(EXPECTED) as [SchedulerName, Record<string, unknown>][]) {
    it(`${name}: the resolved config is diffusers' from_config result`, () => {
      assert.deepEqual({ ...configOf(name, SD15_FILE) }, expected);
    });
  }

  for (const [name, steps, expected] of EXPECTED_TIMESTEPS) {
    it(`${name}: ${steps} steps → diffusers' timesteps`, () => {
      const scheduler = createScheduler(name, SD15_FILE);
      scheduler.setTimesteps(steps);
      assert.deepEqual(scheduler.timesteps, expected);
    });
  }

  it("DDIM: keys missing from the file take DDIMScheduler's own defaults (clip_sample and set_alpha_to_one true, steps_offset 0)", () => {
    const { clip_sample, set_alpha_to_one, steps_offset, ...rest } = SD15_FILE;
    assert.equal([clip_sample, set_alpha_to_one, steps_offset].length, 3);
    const config = configOf("ddim", rest) as Record<string, unknown>;
    assert.deepEqual([config.clip_sample, config.set_alpha_to_one, config.steps_offset], [true, true, 0]);
    const ddim = createScheduler("ddim", rest);
    ddim.setTimesteps(20);
    assert.equal(ddim.timesteps[0], 950);
    // diffusers' own DDIMScheduler() when the file says nothing at all: linear betas 0.0001 → 0.02
    assert.deepEqual({ ...configOf("ddim", {}) }, { ...EXPECTED.ddim, beta_start: 0.0001, beta_end: 0.02, beta_schedule: "linear", clip_sample: true, set_alpha_to_one: true, steps_offset: 0 });
  });

  it("a key listed in `_use_default_values` is dropped, as diffusers' extract_init_dict drops it", () => {
    // what `PNDMScheduler.from_pretrained(sd15).config` holds: PNDM's own defaults, marked as such
    const pndmConfig = { ...SD15_FILE, prediction_type: "epsilon", timestep_spacing: "leading", _use_default_values: ["prediction_type", "timestep_spacing"] };
    assert.equal((configOf("euler-a", pndmConfig) as { timestep_spacing: string }).timestep_spacing, "linspace");
    const { _use_default_values: _dropped, ...explicit } = pndmConfig;
    assert.equal((configOf("euler-a", explicit) as { timestep_spacing: string }).timestep_spacing, "leading");
  });

  // Files with the keys the SD 2.1, SD-Turbo and LCM (Dreamshaper v7) repositories' scheduler_config.json carry.
  const FAMILY_FILES: [string, Record<string, unknown>, SchedulerName, number, number[], string][] = [
    ["SD 2.1 (DDIM, v_prediction)", { ...SD15_FILE, _class_name: "DDIMScheduler", _diffusers_version: "0.8.0", prediction_type: "v_prediction" }, "ddim", 4, [751, 501, 251, 1], "v_prediction"],
    [
      "SD-Turbo (Euler, trailing)",
      { ...SD15_FILE, _class_name: "EulerDiscreteScheduler", interpolation_type: "linear", prediction_type: "epsilon", sample_max_value: 1.0, timestep_spacing: "trailing", use_karras_sigmas: false },
      "euler",
      4,
      [999, 749, 499, 249],
      "epsilon",
    ],
    [
      "LCM",
      { ...SD15_FILE, _class_name: "LCMScheduler", set_alpha_to_one: true, clip_sample_range: 1.0, dynamic_thresholding_ratio: 0.995, original_inference_steps: 50, prediction_type: "epsilon", rescale_betas_zero_snr: false, sample_max_value: 1.0, thresholding: false, timestep_scaling: 10.0, timestep_spacing: "leading" },
      "lcm",
      4,
      [999, 759, 499, 259],
      "epsilon",
    ],
  ];
  for (const [family, file, name, steps, timesteps, prediction] of FAMILY_FILES) {
    it(`${family}: the folder's class picks ${name}, built with the file's own prediction type and spacing`, () => {
      assert.equal(defaultSchedulerName(file), name);
      const scheduler = createScheduler(name, file);
      scheduler.setTimesteps(steps);
      assert.deepEqual(scheduler.timesteps, timesteps);
      assert.equal((configOf(name, file) as { prediction_type: string }).prediction_type, prediction);
    });
  }

  it("the synthesized SD 1.5 folder carries SD 1.5's real scheduler file, not a richer one", () => {
    assert.deepEqual(SYNTHESIZED_SD15_SCHEDULER_CONFIG, SD15_FILE);
  });
});
