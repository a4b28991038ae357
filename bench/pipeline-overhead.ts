/**
 * Pipeline overhead: an img2img job on the sd15-width model at 256×256 (4 steps, strength 0.75, CFG 7.5), wall time
 * of the whole call against the time spent inside ONNX Runtime's `session.run` (ModelSession.runMs of all four
 * models). Overhead = (wall − Σ session.run) / wall. Measured in-process on StableDiffusionPipeline, and through the
 * InferenceClient worker thread the bot uses (adds the message round trips and the PNG transfer). Goal: ≤ 3 %.
 */
import { InferenceClient, StableDiffusionPipeline } from "../src/inference/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { photoLikeJpeg } from "./lib/inputs.ts";
import { log } from "./lib/log.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { benchModel } from "./lib/models.ts";
import { measure, summarize } from "./lib/stats.ts";

const RUNS = { warmup: 1, runs: 5 };
const JOB = { prompt: "a lighthouse at dusk, oil painting", steps: 4, strength: 0.75, guidanceScale: 7.5, width: 256, height: 256, seed: 1234 };

export default {
  id: "pipeline-overhead",
  title: "Pipeline overhead (sd15, 256², 4 steps)",
  async run() {
    const modelDir = await benchModel("sd15");
    const image = await photoLikeJpeg(640, 480);

    log("in-process pipeline");
    const pipeline = await StableDiffusionPipeline.load(modelDir, { executionProviders: BENCH_PROVIDER });
    const inProcess = { wall: [] as number[], run: [] as number[], steps: 0 };
    const overhead = await measure(async () => {
      const started = performance.now();
      const result = await pipeline.img2img({ ...JOB, image });
      const wall = performance.now() - started;
      inProcess.wall.push(wall);
      inProcess.run.push(result.timings.sessionRunMs);
      inProcess.steps = result.timings.denoiseSteps;
      return ((wall - result.timings.sessionRunMs) / wall) * 100;
    }, RUNS);
    await pipeline.release();
    // measure() also saw the warm-up: keep the measured runs only.
    const wall = summarize(inProcess.wall.slice(RUNS.warmup));
    const run = summarize(inProcess.run.slice(RUNS.warmup));

    log("through the InferenceClient worker");
    const client = await InferenceClient.start({ modelDir, loadOptions: { executionProviders: BENCH_PROVIDER } });
    const viaWorker = { wall: [] as number[], run: [] as number[] };
    const workerOverhead = await measure(async () => {
      const started = performance.now();
      const result = await client.generate({ mode: "img2img", options: { ...JOB, image } });
      const wallMs = performance.now() - started;
      viaWorker.wall.push(wallMs);
      viaWorker.run.push(result.timings.sessionRunMs);
      return ((wallMs - result.timings.sessionRunMs) / wallMs) * 100;
    }, RUNS);
    await client.close();
    const workerWall = summarize(viaWorker.wall.slice(RUNS.warmup));

    const how = `${RUNS.warmup} warm-up + ${RUNS.runs} runs; ${inProcess.steps} denoising steps`;
    return {
      figures: [
        figure("overhead, in-process pipeline", overhead, "%", { goal: 3, detail: how }),
        figure("  job wall time", wall, "s", { scale: 1 / 1000, detail: how }),
        figure("  Σ session.run", run, "s", { scale: 1 / 1000, detail: how }),
        figure("overhead, through the worker thread", workerOverhead, "%", { goal: 3, detail: how }),
        figure("  job wall time (worker)", workerWall, "s", { scale: 1 / 1000, detail: how }),
      ],
      notes: [
        `Time outside session.run per job (median): ${(wall.median - run.median).toFixed(0)} ms in-process, ` +
          `${(workerWall.median - summarize(viaWorker.run.slice(RUNS.warmup)).median).toFixed(0)} ms through the worker (which adds the ` +
          "postMessage round trips: the image in, progress events, the PNG out). It covers input decode, crop and resize, tokenizing, " +
          "scheduler arithmetic, feed and output tensor copies and the PNG.",
        "img2img with strength 0.75 runs ⌊4 × 0.75⌋ = 3 UNet evaluations of the CFG batch of 2, plus the text encoder, VAE encoder and VAE decoder once each.",
      ],
    };
  },
} satisfies Benchmark;
