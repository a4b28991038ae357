import { SchedulerConfigError } from "./scheduler-config-error.ts";
import type { SchedulerConfig, SchedulerConfigFile } from "./scheduler-config.ts";

/**
 * A scheduler's config from a model's `scheduler_config.json`, the way diffusers' `XScheduler.from_config` builds
 * it (`extract_init_dict`): only keys the scheduler's `__init__` has are read, a key missing from the file takes
 * THIS scheduler's own default (never another scheduler's), keys listed in `_use_default_values` count as missing,
 * and anything else (`_class_name`, `skip_prk_steps`, …) is ignored. Every value is then checked against the type
 * of its default and the shared keys against their ranges, so a bad file fails with its key named.
 */
export function resolveConfig<T extends SchedulerConfig>(defaults: Readonly<T>, file: SchedulerConfigFile = {}): T {
  const usedDefaults = file._use_default_values;
  const dropped = new Set(Array.isArray(usedDefaults) ? usedDefaults : []);
  const resolved = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T & string)[]) {
    const value = file[key];
    if (value === undefined || dropped.has(key)) continue;
    checkSameType(key, value, defaults[key]);
    resolved[key] = value as T[typeof key];
  }
  checkSharedKeys(resolved);
  return resolved;
}

/** A value must have its default's type (booleans stay booleans, numbers numbers); a null default allows anything. */
function checkSameType(key: string, value: unknown, fallback: unknown): void {
  if (fallback === null) return;
  if (typeof fallback === "boolean") checkBoolean(key, value);
  else if (typeof fallback === "number" && (typeof value !== "number" || Number.isNaN(value))) {
    throw new SchedulerConfigError(`Expected \`${key}\` to be a number, got ${describe(value)}`);
  } else if (typeof fallback === "string" && typeof value !== "string") {
    throw new SchedulerConfigError(`Expected \`${key}\` to be a string, got ${describe(value)}`);
  }
}

function checkSharedKeys(config: SchedulerConfig): void {
  checkInteger("num_train_timesteps", config.num_train_timesteps, 2);
  checkFinite("beta_start", config.beta_start);
  checkFinite("beta_end", config.beta_end);
  checkOneOf("beta_schedule", config.beta_schedule, ["linear", "scaled_linear", "squaredcos_cap_v2"]);
  const betas = config.trained_betas;
  if (betas !== null) {
    if (!Array.isArray(betas) || betas.length !== config.num_train_timesteps || !betas.every((b) => Number.isFinite(b))) {
      throw new SchedulerConfigError(`Expected \`trained_betas\` to be ${config.num_train_timesteps} finite numbers (num_train_timesteps) or null`);
    }
  }
  checkInteger("steps_offset", config.steps_offset, 0);
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
