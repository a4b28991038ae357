/** How far a running job has got, as the queue tracks it (times from the queue's clock). */
export interface RunProgress {
  /** The job's cost in reference steps. */
  units: number;
  startedAt: number;
  /** Last reported step (0 before any report) and the run's total steps. */
  step: number;
  totalSteps: number;
  /** The first progress report: the pace is measured from there, so model loading and prompt encoding don't skew it. */
  firstReport?: { at: number; step: number };
}

/**
 * Estimates job durations from measured times.
 *
 * It keeps an exponential moving average of milliseconds per reference step (a job's whole run time,
 * overhead included, divided by its cost), updated after each job that finishes. The first
 * measurement replaces the initial guess.
 */
export class StepTimeEstimator {
  #msPerUnit: number;
  #measured = false;
  readonly #smoothing: number;

  constructor(options: {
    /** Milliseconds per reference step before anything was measured. */
    initialMsPerUnit: number;
    /** Weight of the newest measurement in the average, in (0, 1]. */
    smoothing: number;
  }) {
    this.#msPerUnit = options.initialMsPerUnit;
    this.#smoothing = options.smoothing;
  }

  /** Current estimate of milliseconds per reference step. */
  get msPerUnit(): number {
    return this.#msPerUnit;
  }

  /** Records a job of `units` reference steps that took `ms` from start to finish. */
  record(ms: number, units: number): void {
    if (!(units > 0) || !Number.isFinite(ms) || ms < 0) return;
    // The initial value is a guess: the first measurement replaces it instead of being averaged in.
    const weight = this.#measured ? this.#smoothing : 1;
    this.#msPerUnit += weight * (ms / units - this.#msPerUnit);
    this.#measured = true;
  }

  /** Expected run time of a job of `units` reference steps. */
  estimateMs(units: number): number {
    return units * this.#msPerUnit;
  }

  /**
   * Time left for a running job:
   * - before any progress report: the expected run time minus the time elapsed (not below 0);
   * - after one report: the expected time per step × steps left;
   * - after two or more: the job's own pace since its first report × steps left.
   */
  remainingMs(run: RunProgress, now: number): number {
    const expected = this.estimateMs(run.units);
    if (!run.firstReport || run.totalSteps <= 0) return Math.max(0, expected - (now - run.startedAt));
    const stepsSinceFirst = run.step - run.firstReport.step;
    const msPerStep =
      stepsSinceFirst > 0 ? (now - run.firstReport.at) / stepsSinceFirst : expected / run.totalSteps;
    return Math.max(0, msPerStep * (run.totalSteps - run.step));
  }
}
