/**
 * A burst on a busy server (issue 9): while one job runs, 50 members send 3 `/txt2img` each within a few ms; then
 * the waiting jobs drain on a stand-in model that takes a fixed time per job. The Discord fake runs in its own
 * process and is as strict as Discord (per-route buckets, one reaction per 0.25 s per channel, the global
 * 50 requests/s). Goals: the drain within 10 % of the model's own time, ack p99 under 1 s, and REST requests per
 * finished job flat from 10 to 200 waiting jobs. The drain's constant per job (database writes, the result upload
 * through the fake) is reported beside it.
 */
import { runBurst, type BurstResult } from "../test/bot/burst-scenario.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { percentile, summarize } from "./lib/stats.ts";

const ROUNDS = 3;
/** The stand-in model's time per job: a 512² image at 20 steps on a fast GPU. */
const MODEL_MS = 500;
const QUEUE_LENGTHS = [10, 50, 200];

export default {
  id: "burst",
  title: "A burst of commands on a busy server (fake Discord in its own process, strict rate limits)",
  async run() {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const bursts: BurstResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      log(`burst round ${round + 1}/${ROUNDS}`);
      bursts.push(await runBurst({ members: 50, perMember: 3, modelMs: MODEL_MS, timeoutMs: 300_000 }));
    }
    const jobs = bursts[0]?.jobs ?? 0;
    const modelTotal = jobs * MODEL_MS;
    const how = `${ROUNDS} rounds of 150 commands from 50 members during a running job; model ${MODEL_MS} ms per job`;
    figures.push(
      figure("dispatch → defer p99, 150-command burst", summarize(bursts.map((b) => percentile(b.ackMs, 99))), "ms", { goal: 1000, detail: how }),
      figure("dispatch → \"Queued as\" p99, 150-command burst", summarize(bursts.map((b) => percentile(b.queuedMs, 99))), "ms", { detail: how }),
      figure(`drain of ${jobs} jobs ÷ the model's own time (${modelTotal / 1000} s)`, summarize(bursts.map((b) => b.drainMs / modelTotal)), "×", {
        goal: 1.1,
        detail: "from the running job's end to the last result posted",
      }),
      figure("drain overhead per job beyond the model", summarize(bursts.map((b) => (b.drainMs - modelTotal) / b.jobs)), "ms", { detail: how }),
      figure("429 answers per burst", summarize(bursts.map((b) => b.rateLimited)), "", { detail: how }),
    );
    const perJob: Array<[number, number[]]> = [];
    for (const waiting of QUEUE_LENGTHS) {
      const samples: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        log(`REST budget with ${waiting} waiting jobs, round ${round + 1}/${ROUNDS}`);
        const members = Math.min(waiting, 100);
        const result = await runBurst({ members, perMember: waiting / members, modelMs: 20, timeoutMs: 300_000 });
        samples.push(result.restRequests / result.jobs);
      }
      perJob.push([waiting, samples]);
      figures.push(figure(`REST requests per finished job, ${waiting} waiting`, summarize(samples), "requests", { detail: "model 20 ms per job; requests sent plus those still scheduled when the last result is posted" }));
    }
    const medians = perJob.map(([waiting, samples]) => `${waiting}: ${summarize(samples).median.toFixed(2)}`);
    notes.push(`REST requests per finished job by queue length (median): ${medians.join(", ")}.`);
    notes.push(
      `Drain: ${bursts.map((b) => (b.drainMs / 1000).toFixed(2)).join(" s, ")} s for ${jobs} jobs against ${(modelTotal / 1000).toFixed(1)} s of model time.`,
    );
    return { figures, notes };
  },
} satisfies Benchmark;
