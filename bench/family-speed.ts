/**
 * Time to image per model family at 512², on synthetic UNets with SD 1.5's full structure (859.5 M parameters),
 * each with its folder's own defaults: SD 1.5 30 steps with CFG 7.5 (two UNet rows a step), LCM 4 steps (guidance
 * as `timestep_cond`, no CFG), SD-Turbo 1 step (no CFG); as ratios to SD 1.5. The UNet's arithmetic rate (FLOPs
 * counted from the layer plan over the SD 1.5 job's median step) against one large MatMul's on the same session
 * settings, measured before and after the jobs so both see the same machine.
 * BENCH_FAMILY_RUNS=n measures every family n times (default: SD 1.5 once, it takes minutes on a small CPU).
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ensureSyntheticModel, SIZE_SPECS } from "../scripts/synthesize/index.ts";
import { unetFlops } from "../scripts/synthesize/unet-cost.ts";
import { fullUnetPlan } from "../scripts/synthesize/unet-plan.ts";
import { StableDiffusionPipeline, type ModelFamilyName } from "../src/inference/index.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { machineInfo } from "./lib/machine.ts";
import { measureMatmulCeiling } from "./lib/matmul-ceiling.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { measure, summarize, type Summary } from "./lib/stats.ts";

const SIDE = 512;
const LATENT = SIDE / 8;
const SEQUENCE = 77;
const CONTEXT = SIZE_SPECS.sd15.text.hidden;
const CEILING_RUNS = { warmup: 1, runs: 4 };
/** Other processes only ever slow a run down: compare the fastest UNet step with the fastest MatMul run. */
const best = (summary: Summary): number => summary.max;

type FullVariant = "sd15-full" | "sd15-full-lcm" | "sd15-full-turbo";
const FAMILIES: ReadonlyArray<{ label: string; variant: FullVariant; family: ModelFamilyName; runs: number }> = [
  { label: "SD 1.5", variant: "sd15-full", family: "sd1", runs: 1 },
  { label: "LCM", variant: "sd15-full-lcm", family: "lcm", runs: 2 },
  { label: "SD-Turbo", variant: "sd15-full-turbo", family: "sd-turbo", runs: 3 },
];

const runsOverride = ((): number | undefined => {
  const value = process.env.BENCH_FAMILY_RUNS;
  if (value === undefined) return undefined;
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`Expected BENCH_FAMILY_RUNS to be a positive integer, got "${value}"`);
  return runs;
})();

/** Cached beside the other bench models (3.4 GB each; about 20 s to write). */
function fullModel(variant: FullVariant): Promise<string> {
  return ensureSyntheticModel(join(tmpdir(), "reroll-bench-models", variant), variant);
}

interface FamilyTime {
  label: string;
  seconds: Summary;
  steps: number;
  guidance: number;
  unetRuns: number;
  cfg: boolean;
  /** Seconds between consecutive steps' progress events (a UNet run plus the scheduler's arithmetic). */
  stepSeconds: number[];
}

async function timeFamily(entry: (typeof FAMILIES)[number]): Promise<FamilyTime> {
  const pipeline = await StableDiffusionPipeline.load(await fullModel(entry.variant), { executionProviders: BENCH_PROVIDER });
  try {
    if (pipeline.family.name !== entry.family) throw new Error(`${entry.variant} loaded as ${pipeline.family.name}, expected ${entry.family}`);
    const { steps, guidanceScale } = pipeline.defaults;
    // The folder decides steps and guidance; a 1-step job first pays ORT's first-run allocations.
    log(`${entry.label}: warm-up`);
    await pipeline.txt2img({ prompt: "a lighthouse at dusk", width: SIDE, height: SIDE, seed: 0, steps: 1 });
    let unetRuns = 0;
    const stepSeconds: number[] = [];
    const seconds = await measure(async (run) => {
      log(`${entry.label}: ${steps} steps, guidance ${guidanceScale}, run ${run + 1}`);
      let previous: number | undefined;
      const result = await pipeline.txt2img({
        prompt: "a lighthouse at dusk", width: SIDE, height: SIDE, seed: run + 1,
        // The first step's time includes the text encoder; the others are one UNet run each.
        onProgress: ({ elapsedMs }) => {
          if (previous !== undefined) stepSeconds.push((elapsedMs - previous) / 1000);
          previous = elapsedMs;
        },
      });
      unetRuns = result.timings.unetRuns;
      return result.timings.totalMs / 1000;
    }, { warmup: 0, runs: runsOverride ?? entry.runs });
    const cfg = pipeline.family.timeCondProjDim === undefined && guidanceScale > 1;
    return { label: entry.label, seconds, steps, guidance: guidanceScale, unetRuns, cfg, stepSeconds };
  } finally {
    await pipeline.release();
  }
}

export default {
  id: "family-speed",
  title: "Model families at 512² (full SD 1.5 UNet)",
  async run() {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const ceilingOptions = { ...CEILING_RUNS, session: { executionProviders: BENCH_PROVIDER } };
    log("MatMul ceiling, before");
    const before = await measureMatmulCeiling(ceilingOptions);
    const times: FamilyTime[] = [];
    for (const entry of FAMILIES) times.push(await timeFamily(entry));
    log("MatMul ceiling, after");
    const after = await measureMatmulCeiling(ceilingOptions);
    const ceiling = summarize([...before.gflops.samples, ...after.gflops.samples]);

    const base = times[0];
    if (!base) throw new Error("unreachable: SD 1.5 is the first family");
    const flops = unetFlops(fullUnetPlan(SIZE_SPECS.sd15.unet, CONTEXT), { height: LATENT, width: LATENT, batch: 2, sequence: SEQUENCE });
    const step = summarize(base.stepSeconds);
    const unetGflops = summarize(base.stepSeconds.map((s) => flops / s / 1e9));

    for (const t of times) {
      const how = `${t.steps} step${t.steps === 1 ? "" : "s"}, guidance ${t.guidance} (${t.cfg ? "CFG: batch of 2" : "no CFG"}), ${t.unetRuns} UNet runs; the folder's defaults`;
      figures.push(figure(`${t.label}: time to image ${SIDE}×${SIDE}`, t.seconds, "s", { detail: `${how}; ${t.seconds.runs} run(s) after a 1-step warm-up` }));
    }
    for (const t of times.slice(1)) {
      figures.push(figure(`  ${t.label} / SD 1.5 time`, summarize([t.seconds.median / base.seconds.median]), "×", { detail: "ratio of medians" }));
    }
    const threads = `${before.threads.intraOpNumThreads ?? "ORT's default"} intra-op thread(s)`;
    figures.push(
      figure("SD 1.5 step (UNet, CFG batch of 2, 64×64 latents)", step, "s", { detail: `steps 2–30 of the SD 1.5 job(s); ${threads}` }),
      figure("  UNet arithmetic rate", unetGflops, "GFLOP/s", { detail: `${(flops / 1e9).toFixed(0)} GFLOP per step, counted from the layer plan` }),
      figure(`  ceiling: one ${before.side}² MatMul`, ceiling, "GFLOP/s", { detail: `time inside ORT's run; ${CEILING_RUNS.runs} runs before the jobs and ${CEILING_RUNS.runs} after, each after a warm-up; ${threads}` }),
      figure("  fastest UNet step / fastest MatMul", summarize([best(unetGflops) / best(ceiling)]), "×", { detail: "rates; other processes only slow runs down" }),
    );

    const machine = machineInfo(BENCH_PROVIDER);
    notes.push(
      `Measured on ${machine.cpu}, ${machine.cores} cores, ${machine.executionProvider.toUpperCase()} execution provider (the table's other rows may come from another machine).`,
      `Every family runs the same full-structure UNet (SD 1.5's blocks, 859,520,964 parameters; the LCM one adds its ` +
        "81,920-parameter `cond_proj`); SD-Turbo is really SD 2.1-shaped (1024-wide context, 865.9 M parameters), " +
        "which costs about the same per UNet run. Each folder's own configs chose the steps, guidance and scheduler.",
      `Time to image: ${times.map((t) => `${t.label} ${t.seconds.median.toFixed(1)} s (${t.unetRuns} UNet run${t.unetRuns === 1 ? "" : "s"}${t.cfg ? " of 2 rows" : ""})`).join(", ")}; ` +
        `${times.slice(1).map((t) => `${t.label} takes ${((100 * t.seconds.median) / base.seconds.median).toFixed(1)} % of SD 1.5's time`).join(", ")}. ` +
        "The fixed part (text encoder, VAE decoder at 512², PNG) is what keeps the distilled families above their share of UNet rows.",
      `UNet: ${(flops / 2e9).toFixed(0)} GFLOP per row at 64×64 latents (convolutions, linear layers and attention products), ` +
        `${unetGflops.median.toFixed(1)} GFLOP/s over the SD 1.5 job's steps (fastest step ${best(unetGflops).toFixed(1)}); ` +
        `a large MatMul on the same ${threads} reached ${best(ceiling).toFixed(1)} GFLOP/s at best (medians ${before.gflops.median.toFixed(1)} before the jobs, ` +
        `${after.gflops.median.toFixed(1)} after): the fastest UNet step ran at ${((100 * best(unetGflops)) / best(ceiling)).toFixed(0)} % of the fastest MatMul.`,
    );
    return { figures, notes };
  },
} satisfies Benchmark;
