/**
 * `npm run bench` runs every benchmark; `npm run bench -- image-io database` runs those named. Each runs in its own
 * Node process. Results are merged into bench/results.json (a named subset replaces only its own entries) and
 * bench/results.md, and the table is printed.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./lib/benchmark.ts";
import { watchForeignCpu } from "./lib/foreign-cpu.ts";
import { machineInfo } from "./lib/machine.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { renderMarkdown, type BenchReport } from "./lib/report.ts";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));

/** In table order. `flags` are extra Node flags for that benchmark's process. */
const BENCHMARKS: ReadonlyArray<{ id: string; flags?: string[] }> = [
  { id: "pipeline-overhead" },
  { id: "step-cost" },
  { id: "family-speed" },
  { id: "grid-batch" },
  { id: "image-io" },
  { id: "latent-preview" },
  { id: "bot-responsiveness" },
  { id: "threads" },
  { id: "burst" },
  { id: "memory", flags: ["--expose-gc"] },
  { id: "database" },
  { id: "model-load" },
  { id: "model-switch" },
  { id: "download" },
  { id: "fleet" },
  { id: "fleet-postgres" },
  { id: "fleet-dispatch" },
];

const requested = process.argv.slice(2);
const unknown = requested.filter((id) => !BENCHMARKS.some((b) => b.id === id));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Known: ${BENCHMARKS.map((b) => b.id).join(", ")}`);
  process.exit(2);
}
const selected = requested.length ? BENCHMARKS.filter((b) => requested.includes(b.id)) : BENCHMARKS;

const scratch = await mkdtemp(join(tmpdir(), "reroll-bench-"));
const fresh: BenchResult[] = [];
let failed = 0;
try {
  for (const bench of selected) {
    const started = performance.now();
    console.error(`▶ ${bench.id}`);
    const outFile = join(scratch, `${bench.id}.json`);
    const foreignCpu = watchForeignCpu();
    const code = await runChild([...(bench.flags ?? []), "--import", "tsx", join(BENCH_DIR, "lib/run-one.ts"), join(BENCH_DIR, `${bench.id}.ts`), outFile]);
    if (code !== 0) {
      failed += 1;
      console.error(`✖ ${bench.id} exited with code ${code}`);
      continue;
    }
    const result = JSON.parse(await readFile(outFile, "utf8")) as BenchResult;
    const foreign = foreignCpu();
    fresh.push(foreign === undefined ? result : { ...result, otherProcessesCpuPercent: Math.round(foreign * 10) / 10 });
    console.error(`✔ ${bench.id} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const report: BenchReport = { machine: machineInfo(BENCH_PROVIDER), results: merge(await previousResults(), fresh) };
await writeFile(join(BENCH_DIR, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderMarkdown(report);
await writeFile(join(BENCH_DIR, "results.md"), markdown);
console.log(markdown);
process.exitCode = failed ? 1 : 0;

function runChild(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function previousResults(): Promise<BenchResult[]> {
  if (requested.length === 0) return [];
  try {
    return (JSON.parse(await readFile(join(BENCH_DIR, "results.json"), "utf8")) as BenchReport).results;
  } catch {
    return [];
  }
}

/** Fresh results replace older ones of the same benchmark; the table keeps BENCHMARKS' order. */
function merge(older: BenchResult[], newer: BenchResult[]): BenchResult[] {
  const byId = new Map(older.map((r) => [r.id, r]));
  for (const r of newer) byId.set(r.id, r);
  return BENCHMARKS.flatMap((b) => byId.get(b.id) ?? []);
}
