/** A scheduler configuration (a model's `scheduler_config.json` or code) that this library cannot honour. */
export class SchedulerConfigError extends Error {
  override readonly name = "SchedulerConfigError";
}
