/**
 * Local CLI: img2img (with --image) or txt2img, without Discord.
 *   npm run generate -- --image in.jpg --prompt "a watercolor fox" --strength 0.6 --seed 42 --out out.png
 *   npm run generate -- --from result.png --out again.png      (the same bytes; img2img results also need --image)
 * Without --model or MODEL_DIR it runs MODEL (downloaded on first use; MODEL=synthetic for a random-weight model).
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import dotenv from "dotenv";
import { loadConfig } from "../src/config.ts";
import { SCHEDULER_NAMES, StableDiffusionPipeline, type SchedulerName } from "../src/inference/index.ts";
import { ModelError, startupModel } from "../src/models/index.ts";
import { optionsFromPng, type OptionsFromPng } from "./lib/options-from-png.ts";
import { renderProgressBar, writeProgress } from "./lib/progress-bar.ts";

const USAGE = `Usage: npm run generate -- --prompt TEXT [--image FILE] [options]
       npm run generate -- --from RESULT.png [--image FILE] [options]
  --from FILE         make an image again from a PNG's parameters (prompt, negative, steps, sampler, CFG, seed,
                      size, strength, variation); the same model gives the same bytes. The input image of an
                      img2img result is not in the PNG: give it with --image. Other options override the PNG's.
  --image FILE        input image (img2img); omit for txt2img
  --prompt TEXT       what to draw (required)
  --negative TEXT     what to avoid
  --strength N        img2img: 0 < N ≤ 1 (default 0.75)
  --steps N           scheduler steps (default: the model family's: SD 1.x/2.x 30, LCM 4, SD-Turbo 1)
  --cfg N             guidance scale (default: the family's: 7.5, LCM 8.5, SD-Turbo 0; ≤ 1 turns guidance off)
  --seed N            0 ≤ N < 2^64 (default: random)
  --variation-seed N  blend this seed's noise into the seed's (A1111's variation seed)
  --variation-strength N  how much of it, 0–1 (default 0.1 with --variation-seed)
  --scheduler NAME    ${SCHEDULER_NAMES.join(" | ")} (default: the model's scheduler_config.json)
  --width N --height N  output size, multiples of 8 (txt2img default: the model's native size)
  --out FILE          where to write the PNG (default out.png)
  --model DIR         SD ONNX export folder (SD 1.x, 2.x, Turbo, LCM) (default: MODEL_DIR, else MODEL, downloaded on first use)`;

async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  const { values } = parseArgs({
    options: {
      image: { type: "string" },
      from: { type: "string" },
      prompt: { type: "string" },
      negative: { type: "string" },
      strength: { type: "string" },
      steps: { type: "string" },
      cfg: { type: "string" },
      seed: { type: "string" },
      "variation-seed": { type: "string" },
      "variation-strength": { type: "string" },
      scheduler: { type: "string" },
      width: { type: "string" },
      height: { type: "string" },
      out: { type: "string", default: "out.png" },
      model: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || (values.prompt === undefined && values.from === undefined)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  let recorded: OptionsFromPng | undefined;
  if (values.from !== undefined) {
    recorded = optionsFromPng(await readFile(values.from));
    if (recorded.strength !== undefined && values.image === undefined) {
      console.error(`${values.from} is an img2img result (strength ${recorded.strength}); its input image is not in the PNG: give it with --image FILE`);
      return 2;
    }
  }
  const config = loadConfig();
  let modelDir = values.model;
  if (!modelDir) {
    try {
      modelDir = (await startupModel(config)).dir;
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      console.error(error.message);
      return 1;
    }
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const pipeline = await StableDiffusionPipeline.load(modelDir, {
    executionProviders: config.executionProvider,
    deviceId: config.cudaDeviceId,
    decode: { maxInputPixels: config.maxInputPixels },
    // The bot's thread settings and defaults, so `--from` redraws a bot's result with the same arithmetic.
    intraOpNumThreads: config.intraOpThreads,
    interOpNumThreads: config.interOpThreads,
    log: (m) => console.error(m),
  });
  try {
    if (recorded?.model !== undefined && recorded.model !== pipeline.model.name) {
      console.error(`warning: ${values.from} was made with model "${recorded.model}", this is "${pipeline.model.name}": the image will differ`);
    }
    const variationSeed = values["variation-seed"] === undefined ? recorded?.variationSeed : parseSeed(values["variation-seed"], "--variation-seed");
    const common = {
      prompt: values.prompt ?? recorded?.prompt ?? "",
      negativePrompt: values.negative ?? recorded?.negativePrompt,
      steps: num(values.steps) ?? recorded?.steps,
      guidanceScale: num(values.cfg) ?? recorded?.guidanceScale,
      seed: values.seed === undefined ? recorded?.seed : parseSeed(values.seed),
      ...(variationSeed !== undefined && {
        variationSeed,
        variationStrength: num(values["variation-strength"]) ?? (values["variation-seed"] === undefined ? recorded?.variationStrength : undefined),
      }),
      ...(variationSeed === undefined && values["variation-strength"] !== undefined && { variationStrength: num(values["variation-strength"]) }),
      scheduler: (values.scheduler as SchedulerName | undefined) ?? recorded?.scheduler,
      width: num(values.width) ?? recorded?.width,
      height: num(values.height) ?? recorded?.height,
      onProgress: (e: { step: number; totalSteps: number; elapsedMs: number }) =>
        writeProgress(process.stderr, renderProgressBar(e.step, e.totalSteps, e.elapsedMs), e.step === e.totalSteps),
    };
    const result = values.image
      ? await pipeline.img2img({ ...common, image: await readFile(values.image), strength: num(values.strength) ?? recorded?.strength })
      : await pipeline.txt2img(common);
    await writeFile(values.out, result.png);
    for (const warning of result.warnings) console.error(`warning: ${warning}`);
    const { steps, sampler, cfgScale } = result.parameters;
    console.log(
      `${values.out}: ${result.width}×${result.height}, seed ${result.seed}, ${pipeline.family.label}, ${steps} steps of ${sampler}, ` +
        `guidance ${cfgScale}, ${(result.timings.totalMs / 1000).toFixed(2)} s on ${pipeline.provider}`,
    );
    return 0;
  } finally {
    await pipeline.release();
  }
}

function parseSeed(text: string, flag = "--seed"): bigint {
  if (!/^\d+$/.test(text)) throw new Error(`${flag} must be a whole number from 0 to 2^64−1, got "${text}"`);
  return BigInt(text);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(1);
  },
);
