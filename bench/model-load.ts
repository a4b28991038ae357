/**
 * Model loading: time to load the sd15-width model (four ONNX sessions, 1.8 GiB, UNet weights in external data)
 * and be ready, in-process (StableDiffusionPipeline.load) and as the bot starts it (InferenceClient.start: a worker
 * thread that bootstraps tsx, then loads), plus the extra cost of the first generation after loading.
 */
import { InferenceClient, StableDiffusionPipeline } from "../src/inference/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { benchModel } from "./lib/models.ts";
import { measure, summarize } from "./lib/stats.ts";

const RUNS = { warmup: 1, runs: 3 };
const PROBE = { prompt: "a lighthouse", steps: 1, guidanceScale: 1, width: 256, height: 256, seed: 1 };

export default {
  id: "model-load",
  title: "Model loading (sd15)",
  async run() {
    const modelDir = await benchModel("sd15");
    const rssAfterLoad: number[] = [];
    const firstJob: number[] = [];
    const secondJob: number[] = [];
    log("StableDiffusionPipeline.load");
    const load = await measure(async () => {
      const started = performance.now();
      const pipeline = await StableDiffusionPipeline.load(modelDir, { executionProviders: BENCH_PROVIDER });
      const loadMs = performance.now() - started;
      rssAfterLoad.push(process.memoryUsage().rss / 2 ** 20);
      for (const times of [firstJob, secondJob]) {
        const jobStarted = performance.now();
        await pipeline.txt2img(PROBE);
        times.push(performance.now() - jobStarted);
      }
      await pipeline.release();
      return loadMs;
    }, RUNS);

    log("InferenceClient.start (worker thread)");
    const workerStart = await measure(async () => {
      const started = performance.now();
      const client = await InferenceClient.start({ modelDir, loadOptions: { executionProviders: BENCH_PROVIDER } });
      const readyMs = performance.now() - started;
      await client.close();
      return readyMs;
    }, RUNS);

    const how = `${RUNS.warmup} warm-up + ${RUNS.runs} runs; files in the page cache`;
    const first = summarize(firstJob.slice(RUNS.warmup));
    const second = summarize(secondJob.slice(RUNS.warmup));
    return {
      figures: [
        figure("StableDiffusionPipeline.load", load, "s", { scale: 1 / 1000, detail: how }),
        figure("InferenceClient.start (worker + load)", workerStart, "s", { scale: 1 / 1000, detail: how }),
        figure("first job after load (txt2img 256², 1 step)", first, "s", { scale: 1 / 1000, detail: how }),
        figure("  the same job again", second, "s", { scale: 1 / 1000, detail: how }),
      ],
      notes: [
        `Resident memory right after loading: ${Math.round(summarize(rssAfterLoad.slice(RUNS.warmup)).median)} MiB (the process, four sessions).`,
        "Sessions load one after another on purpose (StableDiffusionPipeline.load): loading the four graphs at once would raise peak memory for the same total time.",
        `The worker path adds the thread start and tsx's registration inside it: ${((workerStart.median - load.median) / 1000).toFixed(2)} s. ` +
          `The first job after loading took ${(first.median / 1000).toFixed(2)} s against ${(second.median / 1000).toFixed(2)} s for the same job again: ` +
          (first.median > second.median * 1.05 ? "the extra is ORT's first-run allocations, paid by the first user." : "no first-run penalty to speak of."),
        "The model files were just written or read, so they come from the page cache; a cold start from disk adds the read of 1.8 GiB at the disk's speed.",
      ],
    };
  },
} satisfies Benchmark;
