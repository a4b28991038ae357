/**
 * The keys every scheduler here shares, with the snake_case names of diffusers' `scheduler_config.json` kept as
 * they are, so a model's file can be passed straight through. Each scheduler adds its own keys and has its own
 * defaults (diffusers' `__init__` defaults of that class), which a key missing from the file takes.
 */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: "linear" | "scaled_linear" | "squaredcos_cap_v2";
  /** Explicit betas; when given they replace the schedule above. */
  trained_betas: number[] | null;
  prediction_type: "epsilon" | "v_prediction" | "sample";
  timestep_spacing: "leading" | "trailing" | "linspace";
  steps_offset: number;
}

/** A `scheduler_config.json` as read: any keys; those a scheduler does not know are ignored. */
export type SchedulerConfigFile = Partial<SchedulerConfig> & Readonly<Record<string, unknown>>;

/** diffusers' defaults for the shared noise-schedule keys (every class but LCM): linear betas 0.0001 → 0.02. */
export const DIFFUSERS_BETA_DEFAULTS = Object.freeze({
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  trained_betas: null,
} as const);

/**
 * SD 1.5's `scheduler/scheduler_config.json` exactly as published (a PNDM config from diffusers 0.6.0). It has no
 * `timestep_spacing` or `prediction_type`: a scheduler built from it takes its own defaults for those (DDIM
 * "leading", DPM-Solver++/Euler/Euler a "linspace"), as diffusers does.
 */
export const SD15_SCHEDULER_CONFIG = Object.freeze({
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
} as const);
