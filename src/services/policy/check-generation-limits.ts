import type { GuildLimits } from "../../db/types.ts";
import { formatCount } from "./format-count.ts";
import { ALLOWED, refuse, type GuardResult } from "./refusal.ts";

/** The smallest output side accepted: one latent pixel is 8 image pixels, and SD 1.5 needs a few of them. */
export const MIN_IMAGE_SIDE = 64;

/** The parts of a request the server's generation limits apply to. */
export interface GenerationSize {
  steps: number;
  /** Output width in pixels; absent when the bot picks it (img2img keeps the input's aspect ratio). */
  width?: number;
  height?: number;
  /** Images asked for (a grid's `count`). @default 1 */
  imageCount?: number;
}

/**
 * Checks steps against 1…`settings.maxSteps`, a grid's image count against `settings.maxImagesPerRequest` and each side against {@link MIN_IMAGE_SIDE}…`settings.maxSide`
 * (whole numbers only). The message names the allowed range and the value asked for.
 */
export function checkGenerationLimits(
  settings: Pick<GuildLimits, "maxSteps" | "maxSide"> & Partial<Pick<GuildLimits, "maxImagesPerRequest">>,
  request: GenerationSize,
): GuardResult {
  const { steps, width, height } = request;
  if (!inRange(steps, 1, settings.maxSteps)) {
    const range = `a whole number from 1 to ${formatCount(settings.maxSteps)}`;
    return refuse("steps", `Steps must be ${range} on this server; you asked for ${steps}.`);
  }
  for (const [label, side] of [["Width", width], ["Height", height]] as const) {
    if (side !== undefined && !inRange(side, MIN_IMAGE_SIDE, settings.maxSide)) {
      const range = `from ${MIN_IMAGE_SIDE} to ${formatCount(settings.maxSide)} pixels`;
      return refuse("size", `${label} must be ${range} on this server; you asked for ${side}.`);
    }
  }
  const count = request.imageCount ?? 1;
  const maxImages = settings.maxImagesPerRequest ?? 1;
  if (count > 1 && !inRange(count, 1, maxImages)) {
    return refuse("count", `This server allows ${maxImages === 1 ? "one image" : `at most ${formatCount(maxImages)} images`} per request; you asked for ${count}.`);
  }
  return ALLOWED;
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
