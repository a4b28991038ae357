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
 * The size a `width`×`height` image is generated at: both sides multiples of `multiple`, within `maxPixels`
 * (and `maxSide`), using the budget as fully as a side allows, and of those the one closest in aspect ratio.
 *
 * Flooring both sides of the exact scaled size wastes budget and bends the ratio: a 640×480 photo at
 * multiples of 64 would become 576×384 (aspect 1.5), though 576×448 (1.29) fits the same budget and is
 * closer to 4:3. So the candidates are, for each width, the tallest height that fits and, for each height,
 * the widest width; the one closest to the input's aspect ratio (in log ratio) wins, ties going to the larger
 * area. For extreme aspect ratios the short side is held at `multiple`; if `maxPixels` is below `multiple`²,
 * the result is `multiple`×`multiple`.
 *
 * @example
 * fitSize(1920, 1080); // { width: 680, height: 384 }
 * fitSize(4000, 3000, { maxPixels: 768 * 768 }); // { width: 888, height: 664 }
 * fitSize(640, 480, { multiple: 64 }); // { width: 576, height: 448 }
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
  // The epsilon absorbs float error such as 511.99999999 that should be 512.
  const floorTo = (side: number) => Math.floor(side / multiple + 1e-9) * multiple;
  // The area the scaled image covers (the budget, or less when maxSide or upscale: false hold it back).
  const budget = Math.min(maxPixels, width * height * scale * scale * (1 + 1e-9));
  // Without upscaling, neither side grows past the input's own.
  const limitOf = (side: number) => Math.max(multiple, Math.min(floorTo(maxSide), upscale ? Infinity : floorTo(side)));
  const longest = floorTo(budget / multiple); // a side longer than this leaves under one multiple for the other
  const widthLimit = Math.min(limitOf(width), Math.max(multiple, longest));
  const heightLimit = Math.min(limitOf(height), Math.max(multiple, longest));

  const aspect = Math.log(width / height);
  let best = { width: multiple, height: multiple };
  let bestError = Infinity;
  const consider = (w: number, h: number) => {
    if (w < multiple || h < multiple || w > widthLimit || h > heightLimit || w * h > maxPixels) return;
    const error = Math.abs(Math.log(w / h) - aspect);
    if (error < bestError - 1e-12 || (error <= bestError + 1e-12 && w * h > best.width * best.height)) {
      best = { width: w, height: h };
      bestError = error;
    }
  };
  for (let w = multiple; w <= widthLimit; w += multiple) consider(w, Math.min(heightLimit, floorTo(budget / w))); // tallest for each width
  for (let h = multiple; h <= heightLimit; h += multiple) consider(Math.min(widthLimit, floorTo(budget / h)), h); // widest for each height
  return best;
}

function requirePositive(name: string, value: number, { integer = false } = {}): void {
  const ok = Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok) {
    throw new RangeError(`Expected \`${name}\` to be a positive ${integer ? "integer" : "number"}, got \`${value}\` (${typeof value})`);
  }
}
