/**
 * Writes a synthetic SD-1.5-layout ONNX model folder (seeded random weights: its images are noise).
 * Usage: npm run synthesize-model -- --out DIR [--variant NAME] [--seed N] (names: SYNTHETIC_VARIANTS in synthesize/variants.ts)
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { SYNTHETIC_VARIANTS, resolveVariant, synthesizeModel } from "./synthesize/index.ts";
import { addSyntheticSafetyChecker } from "./synthesize/safety-checker.ts";
import { formatBytes } from "../src/inference/image/errors.ts";

const USAGE = `Usage: npm run synthesize-model -- --out DIR [--variant NAME] [--seed N] [--safety-checker FLAG_ABOVE]
Variants: ${Object.keys(SYNTHETIC_VARIANTS).join(", ")} (default tiny)
--safety-checker adds a safety checker with the real inputs and outputs that flags images whose mean brightness
(0 to 1) is above FLAG_ABOVE (-1 flags every image, 2 none), with SD 1.5's feature_extractor/.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      variant: { type: "string", default: "tiny" },
      seed: { type: "string" },
      "safety-checker": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true || values.out === undefined) {
    console.log(USAGE);
    process.exitCode = values.help === true ? 0 : 1;
    return;
  }
  const preset = resolveVariant(values.variant);
  const seed = values.seed === undefined ? preset.seed : Number(values.seed);
  const variant = resolveVariant({ ...preset, seed });

  const started = performance.now();
  await synthesizeModel(values.out, variant);
  const flagAbove = values["safety-checker"];
  if (flagAbove !== undefined) {
    if (!Number.isFinite(Number(flagAbove))) throw new Error(`--safety-checker takes a brightness in [0, 1] above which images are flagged (-1: all, 2: none); got "${flagAbove}"`);
    await addSyntheticSafetyChecker(values.out, { flagAbove: Number(flagAbove) });
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  const files = await listFiles(values.out);
  let total = 0;
  for (const file of files) {
    const { size } = await stat(file);
    total += size;
    console.log(`${formatBytes(size).padStart(10)}  ${relative(values.out, file)}`);
  }
  console.log(`Wrote the synthetic "${values.variant}" model (seed ${seed}, ${formatBytes(total)}) to ${values.out} in ${seconds} s.`);
  console.log("Its weights are random: every image it makes is noise.");
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)])));
  return nested.flat().sort();
}


main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
