/**
 * What the live preview costs per denoising step: the linear latent→RGB decode of a 512×512 image's latents
 * (1×4×64×64, ComfyUI's SD15 factors) that the pipeline runs after every step when asked, and the ×4 PNG the
 * presenter encodes for a status edit (at most once per edit interval, not per step). Goal: ≤ 1 ms per step
 * (an SD 1.5 step at 512² takes hundreds of ms on a GPU, seconds on a CPU).
 */
import sharp from "sharp";
import { TorchGenerator, latentPreview } from "../src/inference/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { measure } from "./lib/stats.ts";

const RUNS = { warmup: 20, runs: 200 };

export default {
  id: "latent-preview",
  title: "Live preview",
  async run() {
    const shape = [1, 4, 64, 64];
    const latents = new TorchGenerator(1).randn(shape);
    const decode = await measure(() => void latentPreview(latents, shape), RUNS);
    const preview = latentPreview(latents, shape);
    const png = await measure(
      () =>
        sharp(Buffer.from(preview.rgb), { raw: { width: 64, height: 64, channels: 3 } })
          .resize(256, 256, { kernel: "nearest" })
          .png()
          .toBuffer()
          .then(() => undefined),
      { warmup: 3, runs: 30 },
    );
    return {
      figures: [
        figure("latents → RGB preview, per step", decode, "ms", { goal: 1, detail: `1×4×64×64 (512×512); ${RUNS.warmup} warm-up + ${RUNS.runs} runs` }),
        figure("  preview → 256×256 PNG, per status edit", png, "ms", { detail: "3 warm-up + 30 runs" }),
      ],
      notes: [
        "The pipeline computes the preview only for jobs whose server shows it (`/limits set live_preview`); " +
          "otherwise no step pays anything. The PNG is made only for the status edits that carry it (one per edit interval).",
      ],
    };
  },
} satisfies Benchmark;
