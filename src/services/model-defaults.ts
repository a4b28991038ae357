// The one place that decides what an option a member leaves empty becomes: the chosen model's own default (its
// family's scheduler, steps, guidance, native size and img2img strength, read from the model folder's files, or in
// the distributed mode from what the fleet's workers published), kept within the server's limits. Explicit options
// are left as asked: the gate's checks refuse those out of range.

import type { GuildLimits } from "../db/types.ts";
import { DEFAULT_STRENGTH, readModelFamily, SD15_FAMILY, type GenerationDefaults, type ModelFamily, type SchedulerName } from "../inference/index.ts";
import type { InstalledModels } from "../models/installed-models.ts";
import type { CatalogModel } from "./choose-model.ts";

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
 * Reads a model folder's family from its files (never loading it), telling `onAssumed` once per folder what the
 * folder did not say and was assumed (an older export without unet/config.json is taken for SD 1.x). A bot reads its
 * models' defaults through it; a fleet worker, the family and defaults it publishes (src/fleet/model-publisher.ts).
 */
export function folderFamilyReader(onAssumed: (dir: string, assumed: readonly string[]) => void): (dir: string) => Promise<ModelFamily> {
  const told = new Set<string>();
  return async (dir) => {
    const { family, assumed } = await readModelFamily(dir);
    if (assumed.length && !told.has(dir)) {
      told.add(dir);
      onAssumed(dir, assumed);
    }
    return family;
  };
}

/** {@link folderFamilyReader}'s defaults: what empty options become on the model in `dir`. */
export function folderDefaultsReader(onAssumed: (dir: string, assumed: readonly string[]) => void): (dir: string) => Promise<GenerationDefaults> {
  const readFamily = folderFamilyReader(onAssumed);
  return async (dir) => (await readFamily(dir)).defaults;
}

/**
 * The gate's model defaults on one machine: each installed model's own folder (`fallbackDir` for the service's
 * own model). In the distributed mode the bot has no folders and reads them from the fleet's catalog instead
 * (src/fleet/fleet-models.ts), behind the same function.
 */
export function installedModelDefaults(
  models: Pick<InstalledModels, "find">,
  fallbackDir: string,
  onAssumed: (dir: string, assumed: readonly string[]) => void,
): (model: CatalogModel | undefined) => Promise<GenerationDefaults> {
  const readDefaults = folderDefaultsReader(onAssumed);
  return async (model) => readDefaults((model && (await models.find(model.name))?.dir) ?? fallbackDir);
}
