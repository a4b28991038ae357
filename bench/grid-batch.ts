/**
 * What a grid costs: a txt2img of 4 images as one batched call (the UNet fed [uncond×4, cond×4] once per step) against
 * 4 single runs with seeds seed…seed+3 (the same images, byte for byte), on the sd15-width model at 256², 4 steps.
 * Says how much of a single job a grid's image costs when batched (on this machine's provider).
 */
import { StableDiffusionPipeline } from "../src/inference/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { benchModel } from "./lib/models.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { measure } from "./lib/stats.ts";

const COUNT = 4;
const RUNS = { warmup: 1, runs: 3 };
const OPTIONS = { prompt: "a lighthouse at dusk", steps: 4, width: 256, height: 256, scheduler: "euler-a" as const, seed: 1n };

export default {
  id: "grid-batch",
  title: "Grids: batched vs one by one",
  async run() {
    const pipeline = await StableDiffusionPipeline.load(await benchModel("sd15"), { executionProviders: BENCH_PROVIDER });
    try {
      log(`grid-batch: ${COUNT} images as one call`);
      const batched = await measure(async () => void (await pipeline.txt2img({ ...OPTIONS, count: COUNT })), RUNS);
      log(`grid-batch: ${COUNT} single runs`);
      const single = await measure(async () => {
        for (let i = 0; i < COUNT; i++) await pipeline.txt2img({ ...OPTIONS, seed: OPTIONS.seed + BigInt(i) });
      }, RUNS);
      const ratio = batched.median / single.median;
      const detail = `${COUNT} images, sd15 widths, 256², ${OPTIONS.steps} Euler a steps, guidance 7.5; ${RUNS.warmup} warm-up + ${RUNS.runs} runs`;
      return {
        figures: [
          figure(`grid of ${COUNT}, one batched call`, batched, "ms", { detail }),
          figure(`  ${COUNT} single runs (same images)`, single, "ms", { detail }),
        ],
        notes: [
          `A batched grid takes ${(ratio * 100).toFixed(0)}% of the time of its images made one by one (${provider(pipeline)}); ` +
            "the text encoder runs once, the UNet once per step with 2 × 4 rows instead of 4 times with 2. On a CPU that saves " +
            "little (the UNet is compute-bound: measured here at about the same time, on 2 shared cores); batching is for GPUs, " +
            "whose kernels a batch of 2 rows leaves underused (not measured here). The quota counts 4 images either way.",
        ],
      };
    } finally {
      await pipeline.release();
    }
  },
} satisfies Benchmark;

function provider(pipeline: StableDiffusionPipeline): string {
  return `on ${pipeline.provider}`;
}
