import { SchedulerConfigError } from "./scheduler-config-error.ts";
import type { SchedulerConfig } from "./scheduler-config.ts";

/**
 * Merges `overrides` over `defaults` the way diffusers' `from_config` does: only keys the scheduler knows are
 * read, `undefined` falls back to the default, and anything else (`_class_name`, `skip_prk_steps`, …) is ignored.
 * The keys every scheduler shares are then checked, so a bad `scheduler_config.json` fails with its key named.
 */
export function resolveConfig<T extends SchedulerConfig>(defaults: Readonly<T>, overrides: Readonly<Record<string, unknown>> = {}): T {
  const resolved = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T & string)[]) {
    const value = overrides[key];
    if (value !== undefined) resolved[key] = value as T[typeof key];
  }
  checkSharedKeys(resolved);
  return resolved;
}

function checkSharedKeys(config: SchedulerConfig): void {
  checkInteger("num_train_timesteps", config.num_train_timesteps, 2);
  checkFinite("beta_start", config.beta_start);
  checkFinite("beta_end", config.beta_end);
  checkOneOf("beta_schedule", config.beta_schedule, ["linear", "scaled_linear", "squaredcos_cap_v2"]);
  const betas = config.trained_betas;
  if (betas !== null && betas !== undefined) {
    if (!Array.isArray(betas) || betas.length !== config.num_train_timesteps || !betas.every((b) => Number.isFinite(b))) {
      throw new SchedulerConfigError(`Expected \`trained_betas\` to be ${config.num_train_timesteps} finite numbers (num_train_timesteps) or null`);
    }
  }
  checkInteger("steps_offset", config.steps_offset, 0);
  checkBoolean("set_alpha_to_one", config.set_alpha_to_one);
  checkBoolean("clip_sample", config.clip_sample);
  checkFinite("clip_sample_range", config.clip_sample_range);
  checkOneOf("prediction_type", config.prediction_type, ["epsilon", "v_prediction", "sample"]);
  checkOneOf("timestep_spacing", config.timestep_spacing, ["leading", "trailing", "linspace"]);
}

/** Describes a value for an error message: ``\`1.5\` (number)``. */
export function describe(value: unknown): string {
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\` (${value === null ? "null" : typeof value})`;
}

export function checkInteger(key: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new SchedulerConfigError(`Expected \`${key}\` to be an integer ≥ ${min}, got ${describe(value)}`);
  }
}

export function checkFinite(key: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new SchedulerConfigError(`Expected \`${key}\` to be a finite number, got ${describe(value)}`);
  }
}

export function checkBoolean(key: string, value: unknown): void {
  if (typeof value !== "boolean") throw new SchedulerConfigError(`Expected \`${key}\` to be true or false, got ${describe(value)}`);
}

export function checkOneOf(key: string, value: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(value)) {
    throw new SchedulerConfigError(`Expected \`${key}\` to be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describe(value)}`);
  }
}

/** For diffusers features this library does not implement: fail loudly instead of sampling differently. */
export function checkUnsupported(key: string, value: unknown, supported: unknown): void {
  if (value !== supported) {
    throw new SchedulerConfigError(`\`${key}\` = ${describe(value)} is not supported here (only ${JSON.stringify(supported)})`);
  }
}
