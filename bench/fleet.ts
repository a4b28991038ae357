/**
 * The fleet's queue on Redis (issue 13): jobs per minute with 1, 2, 4 and 32 workers whose model is a stand-in
 * that takes a fixed time per job (this measures the queue, not the GPU), Redis commands per job (INFO
 * commandstats before and after), and fairness: how long one member's single job waits behind another member's 50.
 * Workers are FleetQueues in this process, each with its own Redis connections, as separate machines would have.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { FleetQueue } from "../src/fleet/fleet-queue.ts";
import type { JobSpec } from "../src/jobs/index.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { commandCount, deleteKeys } from "./lib/redis-keys.ts";
import { summarize } from "./lib/stats.ts";

const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** The stand-in model's time per job. */
const MODEL_MS = 200;
const WORKER_COUNTS = [1, 2, 4, 32];
const ROUNDS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `jobs` jobs of several members on `workers` workers; resolves with the wall time and Redis commands used. */
async function throughput(redis: Redis, workers: number, jobs: number): Promise<{ ms: number; commands: number }> {
  const prefix = `reroll-bench-${randomUUID().slice(0, 8)}`;
  const bot = new FleetQueue<JobSpec>({ redisUrl: REDIS_URL, prefix, onError: () => undefined });
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const fleet = Array.from(
    { length: workers },
    () =>
      new FleetQueue<JobSpec>({
        redisUrl: REDIS_URL,
        prefix,
        onError: () => undefined,
        trackPositions: false,
        run: async () => {
          await sleep(MODEL_MS);
          if (++done === jobs) allDone();
        },
      }),
  );
  await Promise.all([bot.ready(), ...fleet.map((w) => w.ready())]);
  const before = await commandCount(redis);
  const started = performance.now();
  await Promise.all(Array.from({ length: jobs }, (_, i) => bot.enqueue({ id: `j${i}`, userId: `member-${i % 10}`, steps: 20 })));
  await finished;
  const ms = performance.now() - started;
  const commands = (await commandCount(redis)) - before;
  await Promise.all([bot, ...fleet].map((q) => q.close()));
  await deleteKeys(redis, prefix);
  return { ms, commands };
}

/** One worker; member A queues 50 jobs, then member B one: how long B's job waits, in ms and in jobs run before it. */
async function fairness(redis: Redis): Promise<{ waitMs: number; jobsBefore: number }> {
  const prefix = `reroll-bench-${randomUUID().slice(0, 8)}`;
  const order: string[] = [];
  let startedAt = 0;
  let sawSingle!: () => void;
  const single = new Promise<void>((resolve) => (sawSingle = resolve));
  const bot = new FleetQueue<JobSpec>({ redisUrl: REDIS_URL, prefix, onError: () => undefined });
  const worker = new FleetQueue<JobSpec>({
    redisUrl: REDIS_URL,
    prefix,
    onError: () => undefined,
    run: async (job) => {
      order.push(job.id);
      if (job.id === "single") {
        startedAt = performance.now();
        sawSingle();
      }
      await sleep(MODEL_MS);
    },
  });
  await Promise.all([bot.ready(), worker.ready()]);
  for (let i = 0; i < 50; i++) await bot.enqueue({ id: `flood-${i}`, userId: "flooder", steps: 20 });
  const queuedAt = performance.now();
  await bot.enqueue({ id: "single", userId: "patient", steps: 20 });
  await single;
  const result = { waitMs: startedAt - queuedAt, jobsBefore: order.indexOf("single") };
  await Promise.all([bot.close(), worker.close()]);
  await deleteKeys(redis, prefix);
  return result;
}

export default {
  id: "fleet",
  title: "The fleet's queue on Redis (BullMQ + fair rounds): scaling, Redis commands per job, fairness",
  async run() {
    const redis = new Redis(REDIS_URL);
    const figures: Figure[] = [];
    const notes: string[] = [];
    try {
      for (const workers of WORKER_COUNTS) {
        const jobs = Math.max(40, workers * 8);
        const rates: number[] = [];
        const perJob: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          log(`${workers} worker(s), ${jobs} jobs, round ${round + 1}/${ROUNDS}`);
          const { ms, commands } = await throughput(redis, workers, jobs);
          rates.push((jobs / ms) * 60_000);
          perJob.push(commands / jobs);
        }
        const ideal = (workers * 60_000) / MODEL_MS;
        figures.push(
          figure(`jobs per minute, ${workers} worker(s) (ideal ${ideal})`, summarize(rates), "jobs/min", {
            detail: `${ROUNDS} rounds of ${jobs} jobs from 10 members; stand-in model ${MODEL_MS} ms per job`,
          }),
          figure(`Redis commands per job, ${workers} worker(s)`, summarize(perJob), "commands", {
            detail: "INFO commandstats delta ÷ jobs (the whole server's: other users of this Redis add to it)",
          }),
        );
      }
      const waits: number[] = [];
      const before: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        log(`fairness round ${round + 1}/${ROUNDS}`);
        const { waitMs, jobsBefore } = await fairness(redis);
        waits.push(waitMs);
        before.push(jobsBefore);
      }
      figures.push(
        figure("wait of a member's single job behind another member's 50", summarize(waits), "ms", {
          detail: `1 worker, stand-in model ${MODEL_MS} ms per job; at most one job (the one running) goes before it`,
        }),
        figure("jobs run before that single job", summarize(before), "jobs"),
      );
      notes.push(
        "PostgreSQL statements per job and dispatch → defer with 2 bot processes are measured with real processes by the fleet-postgres and fleet-dispatch benches; this one measures the queue alone.",
      );
    } finally {
      redis.disconnect();
    }
    return { figures, notes };
  },
} satisfies Benchmark;
