/** Median, spread and percentiles of timing samples. */

/** A figure measured several times: the median with the smallest and largest run, so noise shows. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many measured runs (warm-up runs excluded). */
  runs: number;
  samples: number[];
}

/** The `p`-th percentile (0–100) by linear interpolation between closest ranks, as numpy's default. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("Expected at least one value, got none");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: percentile(samples, 50),
    min: Math.min(...samples),
    max: Math.max(...samples),
    runs: samples.length,
    samples: [...samples],
  };
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Runs thrown away first (JIT, caches, ORT's first-run allocations). @default 1 */
  warmup?: number;
  /** Measured runs. @default 5 */
  runs?: number;
}

/**
 * Runs `fn` `warmup` times unmeasured, then `runs` times, and summarizes the samples. A run that returns a number
 * reports its own measurement (e.g. a ratio, or a time taken inside it); otherwise its wall time in ms is used.
 *
 * @example const decode = await measure(() => decodeImage(jpeg), { warmup: 2, runs: 10 });
 */
export async function measure(fn: (run: number) => Promise<number | void> | number | void, options: MeasureOptions = {}): Promise<Summary> {
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 5;
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const reported = await fn(i);
    samples.push(typeof reported === "number" ? reported : performance.now() - started);
  }
  return summarize(samples);
}

/** Least-squares line `y = intercept + slope·x` and its R² (1 = perfectly linear). */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}
