// What each reaction on a result asks for, as the job to queue: built from the result's stored parameters alone,
// so it works on week-old results after a restart. Every one of them is then submitted through the request gate.

import type { GenerationRecord } from "../db/types.ts";
import { DEFAULT_VARIATION_STRENGTH, MAX_SEED, UPSCALE_FACTOR } from "../inference/index.ts";
import { STRENGTH_RANGE } from "./policy/limit-ranges.ts";
import type { JobParameters } from "./request-gate.ts";
import { randomSeed } from "./generation-service.ts";
import { RESULT_EMOJI, enabledResultActions, type ResultAction } from "./result-palette.ts";

/** How far 🔼 / 🔽 move an img2img result's strength. */
export const STRENGTH_STEP = 0.15;


/** The job a reaction asks for, or what to tell the member instead (nothing queued, nothing charged). */
export type ActionJob = { ok: true; job: JobParameters } | { ok: false; message: string };

/** The actions that make sense under this result (🔼 🔽 only under img2img results; ⬆️ not twice). */
export function actionsFor(result: Pick<GenerationRecord, "kind" | "imageCount">): (action: ResultAction) => boolean {
  return (action) => {
    if (action === "stronger" || action === "weaker") return result.kind === "img2img";
    if (action === "upscale") return result.kind !== "upscale" && result.imageCount === 1;
    return true;
  };
}

/** The reactions the bot adds under `result`: the server's palette, less those that do not apply to it. */
export function paletteFor(result: Pick<GenerationRecord, "kind" | "imageCount">, resultReactions: string): string[] {
  return enabledResultActions(resultReactions).filter(actionsFor(result)).map((action) => RESULT_EMOJI[action]);
}

/**
 * The job `action` on `parent` queues. `maxSide` is the server's largest allowed side (⬆️ is refused above it);
 * `seed` is for tests (a reroll's or a variation's new random seed).
 */
export function jobForAction(action: ResultAction, parent: GenerationRecord, options: { maxSide: number; seed?: () => bigint }): ActionJob {
  const newSeed = options.seed ?? randomSeed;
  const same: JobParameters = {
    kind: parent.kind,
    prompt: parent.prompt,
    negativePrompt: parent.negativePrompt,
    strength: parent.strength,
    steps: parent.steps,
    guidance: parent.guidance,
    scheduler: parent.scheduler,
    width: parent.width,
    height: parent.height,
    inputHash: parent.inputHash,
    interactionId: null,
    interactionToken: null,
    parentId: parent.id,
    imageCount: parent.imageCount,
    seed: parent.seed,
    variationSeed: parent.variationSeed,
    variationStrength: parent.variationStrength,
  };
  switch (action) {
    case "reroll":
      // A new seed: a variation seed blended into the old one would mean nothing any more.
      return { ok: true, job: { ...same, seed: newSeed(), variationSeed: null, variationStrength: null } };
    case "variation":
      return { ok: true, job: { ...same, variationSeed: newSeed() % (MAX_SEED + 1n), variationStrength: DEFAULT_VARIATION_STRENGTH } };
    case "stronger":
    case "weaker":
      return changedStrength(parent, same, action === "stronger" ? STRENGTH_STEP : -STRENGTH_STEP);
    case "upscale":
      return upscaled(parent, same, options.maxSide);
  }
}

function changedStrength(parent: GenerationRecord, same: JobParameters, delta: number): ActionJob {
  if (parent.kind !== "img2img" || parent.strength === null) {
    return { ok: false, message: `🔼 and 🔽 change an img2img result's strength; #${parent.id} was made from text.` };
  }
  const { min, max } = STRENGTH_RANGE;
  const atEnd = delta > 0 ? parent.strength >= max : parent.strength <= min;
  if (atEnd) {
    return {
      ok: false,
      message: `#${parent.id} already has strength ${parent.strength}, the ${delta > 0 ? "highest" : "lowest"} there is (${min} to ${max}); nothing was queued.`,
    };
  }
  // Rounded to hundredths so 0.6 + 0.15 is 0.75, not 0.7499999999999999, in the database and the PNG.
  const strength = Math.min(max, Math.max(min, Math.round((parent.strength + delta) * 100) / 100));
  return { ok: true, job: { ...same, strength } };
}

function upscaled(parent: GenerationRecord, same: JobParameters, maxSide: number): ActionJob {
  if (parent.kind === "upscale") return { ok: false, message: `#${parent.id} is already an upscale; ⬆️ works on results made at their own size.` };
  if (parent.imageCount > 1) return { ok: false, message: `#${parent.id} is a grid: pick one image with its number first, then ⬆️ that one.` };
  const width = parent.width * UPSCALE_FACTOR;
  const height = parent.height * UPSCALE_FACTOR;
  if (Math.max(width, height) > maxSide) {
    return {
      ok: false,
      message: `Upscaling #${parent.id} ×${UPSCALE_FACTOR} would make it ${width}×${height}, larger than this server's largest side (${maxSide} px); nothing was queued.`,
    };
  }
  // The stored width and height are the output's; the base image is made again at half of each (see GenerationKind).
  return { ok: true, job: { ...same, kind: "upscale", width, height } };
}
