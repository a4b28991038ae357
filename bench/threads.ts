/**
 * ORT threads on CPU: what leaving one core to the event loop costs in throughput and gains in responsiveness.
 * For every core but one (the default, see src/inference/onnx/ort-threads.ts) and for every core, the worker
 * thread runs sd15 txt2img jobs (256², CFG) while the main thread runs a probe: every 10 ms a fixed piece of
 * synchronous work (about 1 ms on an idle machine, like one command's JavaScript), recording how late its timer
 * fired and how long the work took. The same probe with the worker idle is the baseline.
 */
import { availableParallelism } from "node:os";
import { createHash } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { InferenceClient } from "../src/inference/index.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { benchModel } from "./lib/models.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { percentile, summarize } from "./lib/stats.ts";

const SIZE = 256;
const STEPS = 6;
const RUNS = 3;
const PROBE_INTERVAL_MS = 10;
/** Bytes hashed per probe: about 1 ms of main-thread work on an idle core of the machine in docs/performance.md. */
const PROBE_BYTES = 512 * 1024;

interface Probe {
  /** Wall time of each probe's work, ms. */
  workMs: number[];
  /** Event-loop delay p99 over the probe, ms. */
  loopDelayP99: number;
}

/** Runs the probe until `until` settles. */
async function probeWhile(until: Promise<unknown>): Promise<Probe> {
  const data = Buffer.alloc(PROBE_BYTES, 7);
  const workMs: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let done = false;
  const finish = () => void (done = true);
  until.then(finish, finish);
  while (!done) {
    const started = performance.now();
    createHash("sha256").update(data).digest();
    workMs.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  loop.disable();
  return { workMs, loopDelayP99: loop.percentile(99) / 1e6 };
}

interface Measured {
  threads: number;
  msPerStep: number[];
  probe: Probe;
}

async function measure(modelDir: string, threads: number): Promise<Measured> {
  const client = await InferenceClient.start({ modelDir, loadOptions: { executionProviders: BENCH_PROVIDER, intraOpNumThreads: threads } });
  try {
    const job = (seed: number, steps = STEPS) =>
      client.generate({ mode: "txt2img", options: { prompt: "a lighthouse at dusk", steps, seed, width: SIZE, height: SIZE, guidanceScale: 7.5 } });
    await job(0, 2); // warm-up: ORT's first-run allocations
    const msPerStep: number[] = [];
    const jobs = (async () => {
      for (let run = 1; run <= RUNS; run++) msPerStep.push((await job(run)).timings.msPerStep);
    })();
    const probe = await probeWhile(jobs);
    await jobs;
    log(`${threads} intra-op thread(s): ${summarize(msPerStep).median.toFixed(0)} ms per step, probe p99 ${percentile(probe.workMs, 99).toFixed(1)} ms, loop delay p99 ${probe.loopDelayP99.toFixed(1)} ms`);
    return { threads, msPerStep, probe };
  } finally {
    await client.close();
  }
}

export default {
  id: "threads",
  title: "ORT threads on CPU",
  async run() {
    const modelDir = await benchModel("sd15");
    const cores = availableParallelism();
    const idle = await probeWhile(new Promise((resolve) => setTimeout(resolve, 5_000)));
    const counts = [...new Set([Math.max(1, cores - 1), cores])];
    const results: Measured[] = [];
    for (const threads of counts) results.push(await measure(modelDir, threads));

    const how = `${RUNS} txt2img jobs, sd15, ${SIZE}², ${STEPS} steps, CFG 7.5, after 1 warm-up`;
    const probeHow = `a ${PROBE_BYTES / 1024} KiB SHA-256 every ${PROBE_INTERVAL_MS} ms on the main thread`;
    const figures: Figure[] = [figure("main-thread work p99, worker idle", summarize([percentile(idle.workMs, 99)]), "ms", { detail: probeHow })];
    for (const m of results) {
      const label = `${m.threads} intra-op thread${m.threads === 1 ? "" : "s"}${m.threads === cores - 1 || cores === 1 ? " (default)" : ""}`;
      figures.push(
        figure(`UNet step with CFG, ${label}`, summarize(m.msPerStep), "ms", { detail: how }),
        figure(`  main-thread work p99 while a job runs, ${label}`, summarize([percentile(m.probe.workMs, 99)]), "ms", { detail: `${probeHow}; ${m.probe.workMs.length} probes` }),
        figure(`  event-loop delay p99 while a job runs, ${label}`, summarize([m.probe.loopDelayP99]), "ms", { detail: "monitorEventLoopDelay, 1 ms resolution" }),
      );
    }
    const notes = [`${cores} cores. Idle baseline: probe work p99 ${percentile(idle.workMs, 99).toFixed(1)} ms, event-loop delay p99 ${idle.loopDelayP99.toFixed(1)} ms.`];
    const [fewer, all] = results;
    if (fewer && all && fewer !== all) {
      const slower = summarize(fewer.msPerStep).median / summarize(all.msPerStep).median;
      notes.push(
        `Leaving one core to the event loop: a step takes ${slower.toFixed(2)}× as long (throughput −${((1 - 1 / slower) * 100).toFixed(0)} %); ` +
          `main-thread work p99 ${percentile(all.probe.workMs, 99).toFixed(1)} → ${percentile(fewer.probe.workMs, 99).toFixed(1)} ms, ` +
          `event-loop delay p99 ${all.probe.loopDelayP99.toFixed(1)} → ${fewer.probe.loopDelayP99.toFixed(1)} ms.`,
      );
    }
    return { figures, notes };
  },
} satisfies Benchmark;
