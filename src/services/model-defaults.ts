// The one place that decides what an option a member leaves empty becomes: the chosen model's own default (its
// family's scheduler, steps, guidance, native size and img2img strength, read from the model folder's files), kept
// within the server's limits. Explicit options are left as asked: the gate's checks refuse those out of range.

import type { GuildLimits } from "../db/types.ts";
import { DEFAULT_STRENGTH, readModelFamily, SD15_FAMILY, type GenerationDefaults, type SchedulerName } from "../inference/index.ts";

/**
 * The defaults when nothing tells the model's own (a gate without a modelDefaults function): SD 1.5's, the family
 * Reroll started with.
 */
export const FALLBACK_DEFAULTS: Readonly<GenerationDefaults> = SD15_FAMILY.defaults;

/** The generation options a member may leave empty; absent means "the model's default". */
export interface AskedOptions {
  steps?: number;
  guidance?: number;
  scheduler?: SchedulerName;
  /** txt2img's width; img2img's pixel budget is width × height. */
  width?: number;
  height?: number;
}

/** Every option decided: what runs, and what Generation info, the PNG parameters and rerolls record. */
export interface DecidedOptions {
  steps: number;
  guidance: number;
  scheduler: SchedulerName;
  width: number;
  height: number;
}

/**
 * Fills each empty option with the model's default. Default steps are capped at the server's `maxSteps` and a
 * default side at its `maxSide` (rounded down to a multiple of 64), so leaving an option empty is never refused.
 */
export function withModelDefaults(asked: AskedOptions, defaults: GenerationDefaults, limits: Pick<GuildLimits, "maxSteps" | "maxSide">): DecidedOptions {
  const cappedSide = (side: number) => Math.min(side, Math.max(64, Math.floor(limits.maxSide / 64) * 64));
  return {
    steps: asked.steps ?? Math.max(1, Math.min(defaults.steps, limits.maxSteps)),
    guidance: asked.guidance ?? defaults.guidanceScale,
    scheduler: asked.scheduler ?? defaults.scheduler,
    width: asked.width ?? cappedSide(defaults.width),
    height: asked.height ?? cappedSide(defaults.height),
  };
}

/**
 * {@link withModelDefaults} for img2img: a family with its own img2img default (SD-Turbo: 2 steps at strength 0.5,
 * where its txt2img step leaves img2img none) gives the empty steps and strength; otherwise the txt2img steps and
 * the pipeline's DEFAULT_STRENGTH.
 */
export function withImg2ImgDefaults(
  asked: AskedOptions & { strength?: number },
  defaults: GenerationDefaults,
  limits: Pick<GuildLimits, "maxSteps" | "maxSide">,
): DecidedOptions & { strength: number } {
  const own = defaults.img2img;
  return {
    ...withModelDefaults(asked, own ? { ...defaults, steps: own.steps } : defaults, limits),
    strength: asked.strength ?? own?.strength ?? DEFAULT_STRENGTH,
  };
}

/**
 * Reads a model folder's defaults from its files (never loading it), telling `onAssumed` once per folder what the
 * folder did not say and was assumed (an older export without unet/config.json is taken for SD 1.x).
 */
export function folderDefaultsReader(onAssumed: (dir: string, assumed: readonly string[]) => void): (dir: string) => Promise<GenerationDefaults> {
  const told = new Set<string>();
  return async (dir) => {
    const { family, assumed } = await readModelFamily(dir);
    if (assumed.length && !told.has(dir)) {
      told.add(dir);
      onAssumed(dir, assumed);
    }
    return family.defaults;
  };
}
