import {
  parseParameters,
  readPngText,
  schedulerOfSampler,
  type GenerationParameters,
  type SchedulerName,
} from "../../src/inference/index.ts";

/** The generation options a PNG's `parameters` chunk records: enough to make the same image again. */
export interface OptionsFromPng {
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidanceScale: number;
  seed: bigint;
  scheduler: SchedulerName;
  width: number;
  height: number;
  /** img2img results only: the input image itself is not in the PNG. */
  strength?: number;
  variationSeed?: bigint;
  variationStrength?: number;
  /** The model the image was made with, as the PNG names it. */
  model?: string;
}

/**
 * Reads a result PNG's A1111 `parameters` text back into pipeline options.
 * @throws Error naming what is missing or unknown (no `parameters` chunk, a sampler we do not have, a seed that is not a number).
 */
export function optionsFromPng(png: Buffer): OptionsFromPng {
  const text = readPngText(png).parameters;
  if (text === undefined) throw new Error("the PNG has no `parameters` text chunk (was it made by Reroll, A1111 or a tool that keeps it?)");
  const p: GenerationParameters = parseParameters(text);
  const scheduler = schedulerOfSampler(p.sampler);
  if (!scheduler) throw new Error(`the PNG's sampler "${p.sampler}" is not one Reroll runs`);
  return {
    prompt: p.prompt,
    negativePrompt: p.negativePrompt ?? "",
    steps: p.steps,
    guidanceScale: p.cfgScale,
    seed: wholeSeed("Seed", p.seed),
    scheduler,
    width: p.width,
    height: p.height,
    ...(p.strength !== undefined && { strength: p.strength }),
    ...(p.variationSeed !== undefined && { variationSeed: wholeSeed("Variation seed", p.variationSeed), variationStrength: p.variationStrength }),
    ...(p.model !== undefined && { model: p.model }),
  };
}

function wholeSeed(field: string, value: string | number | bigint): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  throw new Error(`the PNG's ${field} is not a whole number: ${String(value)}`);
}
