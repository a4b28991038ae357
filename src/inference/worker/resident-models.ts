/**
 * The pipelines a worker keeps loaded, by model folder, at most `maxResident` at once (one by default: an SD 1.5
 * pipeline holds about 4 GB on the GPU or in RAM). Asking for another folder loads it, releasing the least recently
 * used first, so peak memory stays within the budget. Every load is timed: the caller's ETAs include it.
 */
import type { StableDiffusionPipeline } from "../pipeline/stable-diffusion-pipeline.ts";

export interface ResidentModelsOptions {
  /** Loads a folder's pipeline. */
  load(dir: string): Promise<StableDiffusionPipeline>;
  /**
   * How many pipelines may stay loaded at once (the memory budget, in models).
   * @default 1
   */
  maxResident?: number;
}

export class ResidentModels {
  /** Loaded pipelines, least recently used first. */
  readonly #loaded = new Map<string, StableDiffusionPipeline>();
  readonly #options: ResidentModelsOptions;

  constructor(options: ResidentModelsOptions) {
    const max = options.maxResident ?? 1;
    if (!(Number.isInteger(max) && max >= 1)) throw new TypeError(`Expected \`maxResident\` to be an integer from 1 and up, got \`${max}\` (${typeof max})`);
    this.#options = { ...options, maxResident: max };
  }

  /** The folders loaded now, least recently used first. */
  get folders(): string[] {
    return [...this.#loaded.keys()];
  }

  /**
   * The pipeline of `dir`, loaded if it is not resident (after releasing the least recently used ones that would
   * exceed the budget). `loadMs` is set only when it had to be loaded.
   */
  async get(dir: string): Promise<{ pipeline: StableDiffusionPipeline; loadMs?: number }> {
    const resident = this.#loaded.get(dir);
    if (resident) {
      this.#loaded.delete(dir);
      this.#loaded.set(dir, resident);
      return { pipeline: resident };
    }
    // Release before loading: two SD pipelines at once is what the budget forbids.
    while (this.#loaded.size >= this.#options.maxResident!) {
      const [oldest] = this.#loaded.keys();
      if (oldest === undefined) break;
      await this.unload(oldest);
    }
    const started = performance.now();
    const pipeline = await this.#options.load(dir);
    this.#loaded.set(dir, pipeline);
    return { pipeline, loadMs: performance.now() - started };
  }

  /** Releases a folder's pipeline; true when it was loaded. */
  async unload(dir: string): Promise<boolean> {
    const pipeline = this.#loaded.get(dir);
    if (!pipeline) return false;
    this.#loaded.delete(dir);
    await pipeline.release();
    return true;
  }

  async releaseAll(): Promise<void> {
    for (const dir of [...this.#loaded.keys()]) await this.unload(dir);
  }
}
