// The one place that decides what an option a member leaves empty becomes: the chosen model's own default (its
// family's scheduler, steps, guidance and native size, read by the worker from the model folder), kept within the
// server's limits. Explicit options are left as asked: the gate's checks refuse those out of range.

import type { GuildLimits } from "../db/types.ts";
import type { GenerationDefaults, SchedulerName } from "../inference/index.ts";

/**
 * The defaults when the backend cannot tell the model's own (an injected test backend, a bot whose models run on
 * the fleet's workers): SD 1.5's, the family Reroll started with.
 */
export const FALLBACK_DEFAULTS: Readonly<GenerationDefaults> = { scheduler: "ddim", steps: 30, guidanceScale: 7.5, width: 512, height: 512 };

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
