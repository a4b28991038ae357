/**
 * diffusers' `_step_index` / `_begin_index` bookkeeping for schedulers that walk their sigma list by position
 * (Euler a, DPM-Solver++), so that a schedule containing a timestep twice, or img2img starting mid-way, finds
 * the right sigma.
 */
export class StepIndex {
  #step: number | null = null;
  #begin: number | null = null;
  readonly #onMissing: "last" | "throw";

  /** @param onMissing what an unknown timestep maps to: DPM-Solver uses the last index, Euler a fails. */
  constructor(onMissing: "last" | "throw") {
    this.#onMissing = onMissing;
  }

  /** The index of the step about to run, or null before the first step. */
  get current(): number | null {
    return this.#step;
  }

  get begin(): number | null {
    return this.#begin;
  }

  /** Forgets both indices (`set_timesteps` does this). */
  reset(): void {
    this.#step = null;
    this.#begin = null;
  }

  setBegin(beginIndex: number, timestepCount: number): void {
    if (!Number.isSafeInteger(beginIndex) || beginIndex < 0 || beginIndex >= timestepCount) {
      throw new RangeError(`Expected \`beginIndex\` to be an integer in [0, ${timestepCount - 1}], got \`${beginIndex}\``);
    }
    this.#begin = beginIndex;
  }

  /** The current index, initialised on first use from the begin index or from `timestep`'s position. */
  resolve(timestep: number, timesteps: readonly number[]): number {
    this.#step ??= this.#begin ?? this.indexOf(timestep, timesteps);
    return this.#step;
  }

  advance(): void {
    if (this.#step !== null) this.#step += 1;
  }

  /** Which sigma `add_noise` uses: the timestep's position without a begin index, else the current or begin index. */
  forAddNoise(timestep: number, timesteps: readonly number[]): number {
    if (this.#begin === null) return this.indexOf(timestep, timesteps);
    return this.#step ?? this.#begin;
  }

  /** diffusers' `index_for_timestep`: the second match when a timestep repeats, so no sigma is skipped. */
  indexOf(timestep: number, timesteps: readonly number[]): number {
    const first = timesteps.indexOf(timestep);
    if (first === -1) {
      if (this.#onMissing === "last") return timesteps.length - 1;
      throw new RangeError(`Timestep ${timestep} is not in this scheduler's schedule [${timesteps.join(", ")}]`);
    }
    const second = timesteps.indexOf(timestep, first + 1);
    return second === -1 ? first : second;
  }
}
