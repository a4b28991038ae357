import type { BenchResult, Figure } from "./benchmark.ts";
import type { MachineInfo } from "./machine.ts";

/** What `npm run bench` writes to bench/results.json. */
export interface BenchReport {
  machine: MachineInfo;
  results: BenchResult[];
}

/** 3 significant digits, no exponent: 0.0123, 1.23, 123, 12345. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString("en-US");
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return "0";
  return value.toPrecision(2);
}

function goalCell(f: Figure): string {
  if (f.goal === undefined) return "";
  return `${f.met ? "✅" : "❌"} ≤ ${formatNumber(f.goal)}`;
}

function row(r: BenchResult, f: Figure): string {
  const cells = [
    r.title,
    f.label,
    `**${formatNumber(f.median)}** ${f.unit}`,
    `${formatNumber(f.min)} – ${formatNumber(f.max)}`,
    String(f.runs),
    goalCell(f),
    f.detail ?? "",
  ];
  return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
}

/** The machine as one line: "Intel Xeon, 2 cores, 23 GiB RAM, Linux …, Node v20, onnxruntime-node 1.30, CPU EP". */
export function describeMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}, Node ${m.node}, onnxruntime-node ${m.onnxruntime}, ${m.executionProvider.toUpperCase()} execution provider`;
}

/** The Markdown table the README's Performance section shows, with the machine and each benchmark's notes. */
export function renderMarkdown(report: BenchReport): string {
  const lines = [
    "# Benchmark results",
    "",
    `Machine: ${describeMachine(report.machine)}.`,
    "",
    "Each figure is the median of the measured runs after a warm-up, with the smallest and largest run. Models are",
    "synthesized (SD 1.5 layer widths, random weights): speeds are real, images are noise. Rerun with `npm run bench`.",
    "",
    "| Benchmark | Figure | Median | Min – max | Runs | Goal | How |",
    "|---|---|---|---|---|---|---|",
    ...report.results.flatMap((r) => r.figures.map((f) => row(r, f))),
    "",
  ];
  for (const r of report.results) {
    const others = r.otherProcessesCpuPercent === undefined ? "" : ` Other processes used ${formatNumber(r.otherProcessesCpuPercent)} % of the CPUs meanwhile.`;
    lines.push(`## ${r.title}`, "", `Ran ${r.ranAt} in ${formatNumber(r.durationMs / 1000)} s.${others}`, "", ...r.notes.map((n) => `- ${n}`), "");
  }
  return lines.join("\n");
}
