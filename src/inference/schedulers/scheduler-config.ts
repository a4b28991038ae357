/**
 * A scheduler's configuration, with the snake_case keys of diffusers' `scheduler_config.json` kept as they are,
 * so a model's file can be passed straight through.
 */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: "linear" | "scaled_linear" | "squaredcos_cap_v2";
  /** Explicit betas; when given they replace the schedule above. */
  trained_betas?: number[] | null;
  steps_offset: number;
  set_alpha_to_one: boolean;
  clip_sample: boolean;
  clip_sample_range: number;
  prediction_type: "epsilon" | "v_prediction" | "sample";
  timestep_spacing: "leading" | "trailing" | "linspace";
}

/** SD 1.5's `scheduler/scheduler_config.json` (PNDM there; every scheduler here reads the same keys). */
export const SD15_SCHEDULER_CONFIG: Readonly<SchedulerConfig> = Object.freeze({
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  trained_betas: null,
  steps_offset: 1,
  set_alpha_to_one: false,
  clip_sample: false,
  clip_sample_range: 1.0,
  prediction_type: "epsilon",
  timestep_spacing: "leading",
});
