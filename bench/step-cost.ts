/**
 * Cost growth on the sd15-width model: seconds per UNet step against pixels (256², 384², 512²) with classifier-free
 * guidance off (batch 1) and on (batch 2 in one run, as the pipeline feeds it), measured on the UNet session alone;
 * then whole txt2img jobs at 256² against the number of steps. Says whether each grows linearly.
 */
import { join } from "node:path";
import { StableDiffusionPipeline } from "../src/inference/index.ts";
import { ModelSession } from "../src/inference/onnx/model-session.ts";
import { timestepFeed } from "../src/inference/pipeline/unet-feeds.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { benchModel } from "./lib/models.ts";
import { linearFit, measure, type Summary } from "./lib/stats.ts";

const SIDES = [256, 384, 512];
const UNET_RUNS = { warmup: 1, runs: 3 };
const STEP_COUNTS = [2, 4, 8];
const JOB_RUNS = { warmup: 1, runs: 3 };

function randomFill(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = (s / 2 ** 31) * 2 - 1;
  }
  return out;
}

/** One UNet evaluation at `side`² with `batch` rows, on fixed random inputs. */
function unetStep(unet: ModelSession, side: number, batch: number): () => Promise<void> {
  const latent = side / 8;
  const sample = randomFill(batch * 4 * latent * latent, 1);
  const states = randomFill(batch * 77 * 768, 2);
  return async () => {
    await unet.run(
      {
        sample: { data: sample, dims: [batch, 4, latent, latent] },
        timestep: timestepFeed(unet.input("timestep"), 500, batch),
        encoder_hidden_states: { data: states, dims: [batch, 77, 768] },
      },
      ["out_sample"],
    );
  };
}

export default {
  id: "step-cost",
  title: "Cost growth (sd15 UNet)",
  async run() {
    const modelDir = await benchModel("sd15");
    const figures: Figure[] = [];
    const notes: string[] = [];

    const unet = await ModelSession.load("unet", join(modelDir, "unet/model.onnx"), { executionProviders: BENCH_PROVIDER });
    const perStep = new Map<string, Summary>();
    for (const cfg of [false, true]) {
      for (const side of SIDES) {
        log(`UNet step ${side}² ${cfg ? "CFG on (batch 2)" : "CFG off (batch 1)"}`);
        const summary = await measure(unetStep(unet, side, cfg ? 2 : 1), UNET_RUNS);
        perStep.set(`${side}-${cfg}`, summary);
        figures.push(
          figure(`UNet step ${side}×${side}, CFG ${cfg ? "on" : "off"}`, summary, "s", {
            scale: 1 / 1000,
            detail: `batch ${cfg ? 2 : 1}; ${UNET_RUNS.warmup} warm-up + ${UNET_RUNS.runs} runs`,
          }),
        );
      }
    }
    await unet.release();

    for (const cfg of [false, true]) {
      const base = perStep.get(`256-${cfg}`)!.median;
      const ratios = SIDES.map((side) => `${side}²: ${(perStep.get(`${side}-${cfg}`)!.median / base).toFixed(2)}× time for ${((side * side) / 256 ** 2).toFixed(2)}× pixels`);
      const perPixel = SIDES.map((side) => perStep.get(`${side}-${cfg}`)!.median / (side * side));
      const fit = linearFit(SIDES.map((s) => s * s), SIDES.map((s) => perStep.get(`${s}-${cfg}`)!.median));
      notes.push(
        `Per-step cost against pixels, CFG ${cfg ? "on" : "off"}: ${ratios.join("; ")}. Time per megapixel grows from ` +
          `${((perPixel[0]! * 1e6) / 1000).toFixed(1)} s to ${((perPixel.at(-1)! * 1e6) / 1000).toFixed(1)} s ` +
          `(linear fit R² ${fit.r2.toFixed(3)}): ${perPixel.at(-1)! > perPixel[0]! * 1.15 ? "faster than linear, as self-attention over h/8·w/8 tokens is quadratic in pixels" : "about linear"}.`,
      );
    }
    const cfgCost = SIDES.map((side) => (perStep.get(`${side}-true`)!.median / perStep.get(`${side}-false`)!.median).toFixed(2));
    notes.push(`CFG on costs ${cfgCost.join("×, ")}× the CFG-off step at ${SIDES.map((s) => `${s}²`).join(", ")}: the batch of 2 does twice the work.`);

    const pipeline = await StableDiffusionPipeline.load(modelDir, { executionProviders: BENCH_PROVIDER });
    const jobMedians: number[] = [];
    for (const steps of STEP_COUNTS) {
      log(`txt2img 256² CFG off, ${steps} steps`);
      const summary = await measure(async () => {
        await pipeline.txt2img({ prompt: "a lighthouse", steps, guidanceScale: 1, width: 256, height: 256, seed: 7 });
      }, JOB_RUNS);
      jobMedians.push(summary.median);
      figures.push(figure(`txt2img 256×256, CFG off, ${steps} steps`, summary, "s", { scale: 1 / 1000, detail: `${JOB_RUNS.warmup} warm-up + ${JOB_RUNS.runs} runs` }));
    }
    await pipeline.release();
    const fit = linearFit(STEP_COUNTS, jobMedians);
    notes.push(
      `Job time against steps (txt2img 256², CFG off): ${(fit.slope / 1000).toFixed(2)} s per step + ${(fit.intercept / 1000).toFixed(2)} s fixed ` +
        `(text encoder, VAE decoder, PNG), R² ${fit.r2.toFixed(4)}: ${fit.r2 > 0.99 ? "linear in steps" : "not quite linear"}; ` +
        `the slope matches the UNet-only step (${(perStep.get("256-false")!.median / 1000).toFixed(2)} s).`,
    );
    return { figures, notes };
  },
} satisfies Benchmark;
