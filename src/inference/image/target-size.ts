/** Options of {@link fitSize}. */
export interface FitSizeOptions {
  /** Pixel budget: the result's width × height never exceeds it (unless one `multiple`² does). @default 512 * 512 */
  maxPixels?: number;
  /** Both sides are multiples of this (SD's VAE downsamples by 8). @default 8 */
  multiple?: number;
  /** Longest allowed side, in pixels. @default no limit */
  maxSide?: number;
  /**
   * Whether an image smaller than the budget is scaled up to it. SD 1.5 makes poor images far below
   * 512×512, so img2img scales small inputs up. @default true
   */
  upscale?: boolean;
}

/**
 * The size a `width`×`height` image is generated at: the same aspect ratio, scaled so that it uses
 * as much of `maxPixels` as it can without exceeding it (and without a side over `maxSide`), then
 * each side rounded **down** to a multiple of `multiple`, and never below `multiple`.
 *
 * Rounding down keeps the result within budget; it bends the aspect ratio by less than one
 * `multiple` per side. For extreme aspect ratios the short side is held at `multiple` and the long
 * side shortened to stay within the budget; if `maxPixels` is below `multiple`², the result is
 * `multiple`×`multiple`.
 *
 * @example
 * fitSize(1920, 1080); // { width: 680, height: 384 }
 * fitSize(4000, 3000, { maxPixels: 768 * 768 }); // { width: 880, height: 664 }
 */
export function fitSize(width: number, height: number, opts: FitSizeOptions = {}): { width: number; height: number } {
  const maxPixels = opts.maxPixels ?? 512 * 512;
  const multiple = opts.multiple ?? 8;
  const maxSide = opts.maxSide ?? Infinity;
  const upscale = opts.upscale ?? true;
  requirePositive("width", width);
  requirePositive("height", height);
  requirePositive("maxPixels", maxPixels);
  requirePositive("multiple", multiple, { integer: true });
  if (!(maxSide > 0)) throw new RangeError(`Expected \`maxSide\` to be a positive number, got \`${maxSide}\` (${typeof maxSide})`);

  let scale = Math.min(Math.sqrt(maxPixels / (width * height)), maxSide / Math.max(width, height));
  if (!upscale) scale = Math.min(scale, 1);

  const floorTo = (side: number) => Math.floor(side / multiple) * multiple;
  const sideLimit = Math.max(multiple, floorTo(maxSide));
  // The epsilon absorbs float error such as 511.99999999 that should be 512.
  const roundDown = (side: number) => Math.min(sideLimit, Math.max(multiple, Math.floor(side / multiple + 1e-9) * multiple));
  let w = roundDown(width * scale);
  let h = roundDown(height * scale);

  // The epsilon, or a short side clamped up to `multiple`, can overshoot the budget: shorten the long side.
  if (w * h > maxPixels) {
    if (w >= h) w = Math.max(multiple, floorTo(maxPixels / h));
    else h = Math.max(multiple, floorTo(maxPixels / w));
  }
  return { width: w, height: h };
}

function requirePositive(name: string, value: number, { integer = false } = {}): void {
  const ok = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok) {
    throw new RangeError(`Expected \`${name}\` to be a positive ${integer ? "integer" : "number"}, got \`${value}\` (${typeof value})`);
  }
}
