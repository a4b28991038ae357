/**
 * Image I/O on the main path of an img2img job: a 4000×3000 camera-sized JPEG to the VAE encoder's input tensor
 * (decodeImage → fitSize → cropAndResize → imageToTensor, as the pipeline does), and the VAE decoder's output
 * tensor to the PNG that is posted (tensorToImage → encodePng with the parameters chunk).
 * Goals: ≤ 100 ms and ≤ 60 ms.
 */
import sharp from "sharp";
import { cropAndResize, decodeImage, encodePng, fitSize, imageToTensor, tensorToImage } from "../src/inference/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { photoLikeJpeg } from "./lib/inputs.ts";
import { log } from "./lib/log.ts";
import { measure } from "./lib/stats.ts";

const RUNS = { warmup: 2, runs: 10 };
const PARAMETERS = { prompt: "a lighthouse at dusk, oil painting", steps: 30, sampler: "DDIM", cfgScale: 7.5, seed: "1234", width: 512, height: 512 };

async function toInputTensor(jpeg: Buffer): Promise<Float32Array> {
  const decoded = await decodeImage(jpeg);
  const { width, height } = fitSize(decoded.width, decoded.height, { maxPixels: 512 * 512, multiple: 64 });
  return imageToTensor(await cropAndResize(decoded, width, height));
}

export default {
  id: "image-io",
  title: "Image I/O",
  async run() {
    const jpeg = await photoLikeJpeg(4000, 3000);
    const meta = await sharp(jpeg).metadata();
    log(`input JPEG ${meta.width}×${meta.height}, ${(jpeg.length / 2 ** 20).toFixed(1)} MiB`);
    const fitted = fitSize(meta.width, meta.height, { maxPixels: 512 * 512, multiple: 64 });

    const whole = await measure(() => toInputTensor(jpeg).then(() => undefined), RUNS);
    const decode = await measure(() => decodeImage(jpeg).then(() => undefined), RUNS);
    const decoded = await decodeImage(jpeg);
    const resize = await measure(() => cropAndResize(decoded, fitted.width, fitted.height).then(() => undefined), RUNS);
    const resized = await cropAndResize(decoded, fitted.width, fitted.height);
    const toTensor = await measure(() => void imageToTensor(resized), RUNS);
    // Reference, not our code path: one sharp pipeline lets libjpeg decode at 1/2–1/8 scale (shrink-on-load).
    const shrinkOnLoad = await measure(
      () => sharp(jpeg).resize(fitted.width, fitted.height, { fit: "cover" }).removeAlpha().raw().toBuffer().then(() => undefined),
      RUNS,
    );

    // The decoder's output for a photo-like image (random-weight models output noise, which no PNG compresses).
    const photo512 = await sharp(jpeg).resize(512, 512).removeAlpha().raw().toBuffer();
    const outputTensor = imageToTensor({ data: photo512, width: 512, height: 512 });
    const output = await measure(() => encodePng(tensorToImage(outputTensor, 512, 512), PARAMETERS).then(() => undefined), RUNS);
    const fromTensor = await measure(() => void tensorToImage(outputTensor, 512, 512), RUNS);
    const png = await measure(() => encodePng({ data: photo512, width: 512, height: 512 }, PARAMETERS).then(() => undefined), RUNS);

    const runs = `${RUNS.warmup} warm-up + ${RUNS.runs} runs`;
    const inputFigure = figure("4000×3000 JPEG → input tensor", whole, "ms", { goal: 100, detail: `to ${fitted.width}×${fitted.height}; ${runs}` });
    const outputFigure = figure("output tensor → PNG", output, "ms", { goal: 60, detail: `512×512 with parameters chunk; ${runs}` });
    const notes = [
      `Input: a ${meta.width}×${meta.height} JPEG of ${(jpeg.length / 2 ** 20).toFixed(1)} MiB (quality 90) fitted to ${fitted.width}×${fitted.height}. ` +
        `Medians of its stages: decodeImage (header check + full decode to RGB) ${decode.median.toFixed(1)} ms, ` +
        `cropAndResize ${resize.median.toFixed(1)} ms, imageToTensor ${toTensor.median.toFixed(1)} ms. The full-size decode dominates; ` +
        `for reference, one sharp pipeline that resizes while decoding (libjpeg shrink-on-load) does the same decode, crop and resize in ${shrinkOnLoad.median.toFixed(1)} ms.`,
      `Output at 512×512: tensorToImage ${fromTensor.median.toFixed(1)} ms, encodePng ${png.median.toFixed(1)} ms (a photo-like image; ` +
        "noise from the random-weight models compresses worse).",
    ];
    return {
      figures: [
        inputFigure,
        figure("  decodeImage (12 MP)", decode, "ms", { detail: runs }),
        figure("  cropAndResize", resize, "ms", { detail: runs }),
        figure("  imageToTensor", toTensor, "ms", { detail: runs }),
        outputFigure,
        figure("  tensorToImage", fromTensor, "ms", { detail: runs }),
        figure("  encodePng", png, "ms", { detail: runs }),
      ],
      notes,
    };
  },
} satisfies Benchmark;
