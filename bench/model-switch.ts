/**
 * Model switch: with one model resident (MAX_RESIDENT_MODELS=1, the default), a job on another sd15-width model
 * releases the loaded one and loads its own in the worker. Measured as the bot sees it: the worker's timed load
 * (what ETAs add for a switch), and the whole job with a switch against the same job without one.
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ensureSyntheticModel, resolveVariant } from "../scripts/synthesize/index.ts";
import { InferenceClient } from "../src/inference/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { benchModel } from "./lib/models.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { summarize } from "./lib/stats.ts";

const RUNS = 3;
const PROBE = { prompt: "a lighthouse", steps: 1, guidanceScale: 1, width: 256, height: 256, seed: 1 };

export default {
  id: "model-switch",
  title: "Model switch (sd15, one resident)",
  async run() {
    const first = await benchModel("sd15");
    // A second sd15-width model (another seed, so another folder and other weights of the same size).
    const second = await ensureSyntheticModel(join(tmpdir(), "reroll-bench-models", "sd15-seed2"), { ...resolveVariant("sd15"), seed: 2 });
    const client = await InferenceClient.start({ modelDir: first, maxResidentModels: 1, loadOptions: { executionProviders: BENCH_PROVIDER } });
    const loads: number[] = [];
    const switchJobs: number[] = [];
    const plainJobs: number[] = [];
    try {
      await client.generate({ mode: "txt2img", options: PROBE });
      for (let i = 0; i < RUNS; i++) {
        for (const modelDir of [second, first]) {
          log(`switch to ${modelDir}`);
          let started = performance.now();
          await client.generate({ mode: "txt2img", options: PROBE, modelDir }, { onModelLoaded: (e) => loads.push(e.ms) });
          switchJobs.push(performance.now() - started);
          started = performance.now();
          await client.generate({ mode: "txt2img", options: PROBE, modelDir });
          plainJobs.push(performance.now() - started);
        }
      }
    } finally {
      await client.close();
    }
    const load = summarize(loads);
    const withSwitch = summarize(switchJobs);
    const without = summarize(plainJobs);
    const how = `${loads.length} switches between two sd15-width models (1.8 GiB each), files in the page cache`;
    return {
      figures: [
        figure("switch: release + load in the worker (timed by the worker)", load, "s", { scale: 1 / 1000, detail: how }),
        figure("job with a switch (txt2img 256², 1 step)", withSwitch, "s", { scale: 1 / 1000, detail: how }),
        figure("  the same job on the loaded model", without, "s", { scale: 1 / 1000, detail: how }),
      ],
      notes: [
        `A switch costs about ${(load.median / 1000).toFixed(1)} s on this host; the queue batches the loaded model's waiting jobs before one, and ETAs add the last measured load of the model switched to.`,
        "The files come from the page cache; a cold switch adds reading 1.8 GiB from disk.",
      ],
    };
  },
} satisfies Benchmark;
