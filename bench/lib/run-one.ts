/**
 * Child-process entry: runs one benchmark module and writes its result as JSON. Each benchmark gets a fresh
 * process so one's memory, page cache warmth of the JIT or ORT thread pools never colour another's figures.
 * Usage: node --import tsx bench/lib/run-one.ts <module path> <result.json>
 */
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type { BenchResult, Benchmark } from "./benchmark.ts";

const [modulePath, outFile] = process.argv.slice(2);
if (!modulePath || !outFile) throw new Error("Usage: run-one.ts <benchmark module> <result.json>");
const { default: benchmark } = (await import(pathToFileURL(modulePath).href)) as { default: Benchmark };
const started = performance.now();
const outcome = await benchmark.run();
const result: BenchResult = {
  id: benchmark.id,
  title: benchmark.title,
  ranAt: new Date().toISOString(),
  durationMs: performance.now() - started,
  ...outcome,
};
await writeFile(outFile, JSON.stringify(result));
// Worker threads, ORT pools or sockets a benchmark left behind must not keep the child alive.
process.exit(0);
