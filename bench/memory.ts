/**
 * Memory over a long run: 200 consecutive img2img jobs on the tiny model (256², 4 steps, CFG, a new seed and
 * prompt each), resident set size at job 20 against job 200, in-process through StableDiffusionPipeline and through
 * the InferenceClient worker (the process's RSS includes the worker thread). Goal: ≤ 5 % growth (sessions created
 * once, tensors released). Run with --expose-gc so each sample follows a full collection.
 */
import { InferenceClient, StableDiffusionPipeline } from "../src/inference/index.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { photoLikeJpeg } from "./lib/inputs.ts";
import { log } from "./lib/log.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { benchModel } from "./lib/models.ts";
import { summarize } from "./lib/stats.ts";

const JOBS = 200;
const EARLY = 20;
const job = (n: number) => ({ prompt: `a lighthouse at dusk, study ${n}`, steps: 4, width: 256, height: 256, seed: n });

interface Sample {
  rss: number;
  heapUsed: number;
  external: number;
}

function sample(): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss / 2 ** 20, heapUsed: usage.heapUsed / 2 ** 20, external: usage.external / 2 ** 20 };
}

/** Runs `JOBS` jobs and samples memory after each. */
async function longRun(runJob: (n: number) => Promise<unknown>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let n = 1; n <= JOBS; n++) {
    await runJob(n);
    samples.push(sample());
    if (n % 50 === 0) log(`job ${n}: RSS ${samples.at(-1)!.rss.toFixed(0)} MiB`);
  }
  return samples;
}

function describe(path: string, samples: Sample[], jobMs: number[]): { figure: Figure; note: string } {
  const early = samples[EARLY - 1]!;
  const late = samples[JOBS - 1]!;
  const growth = ((late.rss - early.rss) / early.rss) * 100;
  const at = (n: number) => samples[n - 1]!.rss.toFixed(0);
  // One long run gives one growth figure: the table shows it as a single run, not a median.
  const row = figure(`RSS growth, job ${EARLY} → ${JOBS} (${path})`, summarize([growth]), "%", {
    goal: 5,
    detail: `${early.rss.toFixed(0)} → ${late.rss.toFixed(0)} MiB; one run of ${JOBS} jobs`,
  });
  const note =
    `${path}: RSS after jobs 1, ${EARLY}, 50, 100, 150, ${JOBS}: ${[1, EARLY, 50, 100, 150, JOBS].map(at).join(", ")} MiB; ` +
    `V8 heap ${early.heapUsed.toFixed(1)} → ${late.heapUsed.toFixed(1)} MiB, external (Buffers) ${early.external.toFixed(1)} → ${late.external.toFixed(1)} MiB ` +
    `between jobs ${EARLY} and ${JOBS}; median job ${summarize(jobMs).median.toFixed(0)} ms.`;
  return { figure: row, note };
}

export default {
  id: "memory",
  title: "Memory (200 jobs, tiny)",
  async run() {
    const modelDir = await benchModel("tiny");
    const image = await photoLikeJpeg(640, 480);

    log("in-process pipeline");
    const pipeline = await StableDiffusionPipeline.load(modelDir, { executionProviders: BENCH_PROVIDER });
    const inProcessMs: number[] = [];
    const inProcess = await longRun(async (n) => {
      const started = performance.now();
      await pipeline.img2img({ ...job(n), image });
      inProcessMs.push(performance.now() - started);
    });
    await pipeline.release();

    log("InferenceClient worker");
    const client = await InferenceClient.start({ modelDir, loadOptions: { executionProviders: BENCH_PROVIDER } });
    const workerMs: number[] = [];
    const viaWorker = await longRun(async (n) => {
      const started = performance.now();
      await client.generate({ mode: "img2img", options: { ...job(n), image } });
      workerMs.push(performance.now() - started);
    });
    await client.close();

    const a = describe("in-process", inProcess, inProcessMs);
    const b = describe("worker thread", viaWorker, workerMs);
    return {
      figures: [a.figure, b.figure],
      notes: [
        a.note,
        b.note,
        "Each sample follows a full garbage collection (--expose-gc). The worker run starts in the same process after the in-process run released its sessions.",
      ],
    };
  },
} satisfies Benchmark;
