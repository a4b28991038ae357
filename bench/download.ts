/**
 * Model download throughput: Reroll's downloader (@huggingface/hub's resolve → 302 → CDN, sha256 verification,
 * `.partial` then rename) against a plain `curl -L` of the same weights file from the same local hub fake, in the
 * same run. The fake runs in its own process; both clients write to the same temporary folder.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { downloadHubModel } from "../src/models/index.ts";
import { figure, type Benchmark } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { measure, type Summary } from "./lib/stats.ts";

const WEIGHTS_MIB = 256;
const RUNS = { warmup: 1, runs: 3 };
const SERVER = fileURLToPath(new URL("./lib/hub-fake-server.ts", import.meta.url));

interface Served {
  hubUrl: string;
  repo: string;
  bytes: number;
  weightsBytes: number;
}

async function startServer(): Promise<{ child: ChildProcess; served: Served }> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER, String(WEIGHTS_MIB)], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  return { child, served: JSON.parse(line) as Served };
}

function curl(url: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => execFile("curl", ["-sSfL", "-o", out, url], (error) => (error ? reject(error) : resolve())));
}

/** MB/s (10^6 bytes) from a summary of milliseconds: the fastest run gives the largest throughput. */
function throughput(label: string, ms: Summary, bytes: number, detail: string) {
  const toMBps = (t: number) => bytes / 1e6 / (t / 1000);
  return { ...figure(label, ms, "MB/s", { detail }), median: toMBps(ms.median), min: toMBps(ms.max), max: toMBps(ms.min) };
}

export default {
  id: "download",
  title: "Model download",
  async run() {
    const { child, served } = await startServer();
    const dir = await mkdtemp(join(tmpdir(), "reroll-bench-download-"));
    try {
      log(`hub fake at ${served.hubUrl}: ${(served.bytes / 1e6).toFixed(0)} MB of pipeline files, ${(served.weightsBytes / 1e6).toFixed(0)} MB of them the UNet weights`);
      const ours = await measure(async (run) => {
        const modelsDir = join(dir, `ours-${run}`);
        const started = performance.now();
        await downloadHubModel({ modelsDir, repo: served.repo, revision: "main", precision: "fp32", hub: { hubUrl: served.hubUrl } });
        const elapsed = performance.now() - started;
        await rm(modelsDir, { recursive: true, force: true });
        return elapsed;
      }, RUNS);
      const curled = await measure(async (run) => {
        const out = join(dir, `curl-${run}.pb`);
        const started = performance.now();
        await curl(`${served.hubUrl}/${served.repo}/resolve/main/unet/weights.pb`, out);
        const elapsed = performance.now() - started;
        await rm(out, { force: true });
        return elapsed;
      }, RUNS);
      const runs = `${RUNS.warmup} warm-up + ${RUNS.runs} runs`;
      const oursFigure = throughput("downloadHubModel (whole model, verified)", ours, served.bytes, `${(served.bytes / 1e6).toFixed(0)} MB; ${runs}`);
      const curlFigure = throughput("curl -L of the UNet weights", curled, served.weightsBytes, `${(served.weightsBytes / 1e6).toFixed(0)} MB; ${runs}`);
      return {
        figures: [oursFigure, curlFigure],
        notes: [
          `Reroll's downloader moves ${oursFigure.median.toFixed(0)} MB/s against curl's ${curlFigure.median.toFixed(0)} MB/s from the same local server ` +
            `(${((oursFigure.median / curlFigure.median) * 100).toFixed(0)} % of curl). Ours also lists the repository, probes each file (the library's ` +
            "Range: bytes=0-0 request), hashes every byte with sha256 as it arrives and renames each file when verified; curl only writes one file. " +
            "Over the Internet the hub's CDN, not either client, sets the pace.",
        ],
      };
    } finally {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  },
} satisfies Benchmark;
