import sharp from "sharp";
import type { RgbImage } from "./decode-image.ts";
import { insertPngTextChunk } from "./png-text-chunks.ts";

/** How an image was made, as written in the widely used A1111 `parameters` text. */
export interface GenerationParameters {
  prompt: string;
  negativePrompt?: string;
  steps: number;
  /** Shown as it is, e.g. "DDIM", "Euler a", "DPM++ 2M". */
  sampler: string;
  cfgScale: number;
  /** Seeds beyond 2^53 stay exact as a bigint. */
  seed: string | number | bigint;
  /** A1111's "Variation seed": the second seed whose noise was blended in. */
  variationSeed?: string | number | bigint;
  /** A1111's "Variation seed strength", with `variationSeed`. */
  variationStrength?: number;
  width: number;
  height: number;
  /** img2img only. */
  strength?: number;
  model?: string;
  /** A1111's "Model hash": here the hub commit the model was pinned to, which names its exact files. */
  modelHash?: string;
}

/** Options of {@link encodePng}. */
export interface PngEncodeOptions {
  /** zlib level, 0–9. @default 6 */
  compressionLevel?: number;
  /** Try each row filter per row: smaller files, slower. @default false */
  adaptiveFiltering?: boolean;
}

/**
 * The A1111 `parameters` text:
 * ```
 * a cat in a hat
 * Negative prompt: blurry
 * Steps: 20, Sampler: DDIM, CFG scale: 7.5, Seed: 123, Size: 512x512, Model: x, Denoising strength: 0.75
 * (with a variation: `Seed: 123, Variation seed: 456, Variation seed strength: 0.1, Size: …`, as A1111 writes it)
 * ```
 * The negative prompt line is left out when there is none. Values holding `,`, `:` or a newline are
 * written as JSON strings, as A1111 does.
 */
export function formatParameters(p: GenerationParameters): string {
  const fields: [string, string | number | bigint][] = [
    ["Steps", p.steps],
    ["Sampler", p.sampler],
    ["CFG scale", p.cfgScale],
    ["Seed", p.seed],
  ];
  // A1111 writes the variation right after the seed, and only with a non-zero strength.
  if (p.variationSeed !== undefined && p.variationStrength) {
    fields.push(["Variation seed", p.variationSeed], ["Variation seed strength", p.variationStrength]);
  }
  fields.push(["Size", `${p.width}x${p.height}`]);
  // A1111's order: "Model hash: …, Model: …".
  if (p.modelHash !== undefined) fields.push(["Model hash", p.modelHash]);
  if (p.model !== undefined) fields.push(["Model", p.model]);
  if (p.strength !== undefined) fields.push(["Denoising strength", p.strength]);

  const lines = [p.prompt];
  if (p.negativePrompt) lines.push(`Negative prompt: ${p.negativePrompt}`);
  lines.push(fields.map(([key, value]) => `${key}: ${quote(String(value))}`).join(", "));
  return lines.join("\n");
}

/**
 * Reads an A1111 `parameters` text (ours or another tool's) back. Like A1111, it trims each line and
 * ignores fields it does not know. Numeric seeds come back as numbers, or bigints beyond 2^53.
 *
 * @throws SyntaxError when a required field (Steps, Sampler, CFG scale, Seed, Size) is missing or malformed.
 */
export function parseParameters(text: string): GenerationParameters {
  const lines = text.trim().split(/\r?\n/);
  const last = lines.pop() ?? "";
  let fields = parseFields(last);
  if (fields.size < 3) {
    // No fields line: everything is prompt (A1111's rule).
    lines.push(last);
    fields = new Map();
  }

  const prompt: string[] = [];
  const negative: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (negative.length === 0 && line.startsWith(NEGATIVE)) {
      negative.push(line.slice(NEGATIVE.length).trim());
      continue;
    }
    if (negative.length > 0) negative.push(line);
    else prompt.push(line);
  }

  const required = (key: string): string => {
    const value = fields.get(key);
    if (value === undefined) throw new SyntaxError(`Missing \`${key}\` in the generation parameters`);
    return value;
  };
  const number = (key: string, value: string): number => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isFinite(parsed)) throw new SyntaxError(`Expected \`${key}\` to be a number, got \`${value}\``);
    return parsed;
  };

  const steps = number("Steps", required("Steps"));
  const sampler = required("Sampler");
  const cfgScale = number("CFG scale", required("CFG scale"));
  const seed = parseSeed(required("Seed"));
  const size = /^(\d+)x(\d+)$/.exec(required("Size"));
  if (!size) throw new SyntaxError(`Expected \`Size\` to look like 512x512, got \`${fields.get("Size")}\``);
  const result: GenerationParameters = { prompt: prompt.join("\n"), steps, sampler, cfgScale, seed, width: Number(size[1]), height: Number(size[2]) };
  if (negative.length > 0) result.negativePrompt = negative.join("\n");
  const strength = fields.get("Denoising strength");
  if (strength !== undefined) result.strength = number("Denoising strength", strength);
  const variationSeed = fields.get("Variation seed");
  const variationStrength = fields.get("Variation seed strength");
  if (variationSeed !== undefined && variationStrength !== undefined) {
    result.variationSeed = parseSeed(variationSeed);
    result.variationStrength = number("Variation seed strength", variationStrength);
  }
  const model = fields.get("Model");
  if (model !== undefined) result.model = model;
  const modelHash = fields.get("Model hash");
  if (modelHash !== undefined) result.modelHash = modelHash;
  return result;
}

/**
 * Encodes an RGB image as PNG (sharp; the same image always gives the same bytes) and, when given
 * `parameters`, inserts them as a `parameters` text chunk right after `IHDR` so the file tells its
 * own seed. A string is written as it is; an object goes through {@link formatParameters}.
 */
export async function encodePng(image: RgbImage, parameters?: GenerationParameters | string, options: PngEncodeOptions = {}): Promise<Buffer> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: options.compressionLevel ?? 6, adaptiveFiltering: options.adaptiveFiltering ?? false })
    .toBuffer();
  if (parameters === undefined) return png;
  const text = typeof parameters === "string" ? parameters : formatParameters(parameters);
  return insertPngTextChunk(png, "parameters", text);
}

const NEGATIVE = "Negative prompt:";

/** A1111's field pattern: `Key: value` or `Key: "json string"`, comma separated. */
const FIELD = /\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)/g;

function parseFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  // Both groups are required by the pattern, so they are always present in a match.
  for (const [, key, value] of line.matchAll(FIELD)) fields.set(key!.trim(), unquote(value!.trim()));
  return fields;
}

function quote(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

function unquote(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? parsed : value;
  } catch {
    return value;
  }
}

function parseSeed(value: string): string | number | bigint {
  if (!/^-?\d+$/.test(value)) return value;
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : BigInt(value);
}
