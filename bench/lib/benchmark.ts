import type { Summary } from "./stats.ts";

/** One row of the results table. */
export interface Figure {
  /** What was measured, e.g. "4000×3000 JPEG → input tensor". */
  label: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  /** Measured runs behind median/min/max (warm-ups excluded). */
  runs: number;
  /** The goal: the median must not exceed it. */
  goal?: number;
  /** Whether the median meets the goal; absent without a goal. */
  met?: boolean;
  /** How it was measured, in a few words (run counts, sizes). */
  detail?: string;
}

/** What one benchmark reports. */
export interface BenchOutcome {
  figures: Figure[];
  /** Findings in sentences: linearity, breakdowns, what limits a missed goal. */
  notes: string[];
}

/** A benchmark module's default export. */
export interface Benchmark {
  id: string;
  title: string;
  run(): Promise<BenchOutcome>;
}

/** A stored benchmark result. */
export interface BenchResult extends BenchOutcome {
  id: string;
  title: string;
  /** ISO time the benchmark finished. */
  ranAt: string;
  durationMs: number;
  /** Share of all cores other processes used meanwhile (Linux); above a few % the figures are slowed by them. */
  otherProcessesCpuPercent?: number;
}

/** Options of {@link figure}. */
export interface FigureOptions {
  goal?: number;
  detail?: string;
  /** Multiplies every sample, e.g. 1 / 1000 for ms → s. @default 1 */
  scale?: number;
}

/** A table row from a summary of samples. */
export function figure(label: string, summary: Summary, unit: string, options: FigureOptions = {}): Figure {
  const scale = options.scale ?? 1;
  const median = summary.median * scale;
  return {
    label,
    unit,
    median,
    min: summary.min * scale,
    max: summary.max * scale,
    runs: summary.runs,
    ...(options.goal !== undefined ? { goal: options.goal, met: median <= options.goal } : {}),
    ...(options.detail ? { detail: options.detail } : {}),
  };
}
