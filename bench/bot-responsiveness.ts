/**
 * Bot responsiveness: the whole bot (real discord.js client, SQLite, the worker-thread inference on the sd15-width
 * model) against the Discord API fake. While a 384² job runs in the worker, 200 `/img2img` commands arrive from 20
 * users at a steady rate; for each, the time from the gateway dispatch to the moment the fake answered the defer
 * callback (its recorded call time). Goal: p99 ≤ 100 ms (Discord's deadline is 3 s). The same load with the worker
 * idle shows what the inference thread costs the event loop.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { APIUser } from "discord-api-types/v10";
import { InferenceClient } from "../src/inference/index.ts";
import { FairJobQueue } from "../src/jobs/index.ts";
import { OPTION, sendImg2Img, startHarness, testImage, type Harness } from "../test/bot/harness.ts";
import type { FakeInteraction } from "../test/discord-fake/index.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { BENCH_PROVIDER } from "./lib/provider.ts";
import { benchModel } from "./lib/models.ts";
import { percentile, summarize } from "./lib/stats.ts";

const ROUNDS = 3;
const COMMANDS = 200;
const USERS = 20;
const WARMUP_COMMANDS = 10;

/** One load the bot is put under; each is measured in ROUNDS rounds, each round on a freshly started bot. */
interface Scenario {
  label: string;
  /** Time between two commands. */
  intervalMs: number;
  /** Whether the worker runs a long job meanwhile. */
  busy: boolean;
  /** ORT intra-op threads in the worker; ORT's default (one per core) when absent. */
  intraOpNumThreads?: number;
  goal?: number;
}

const SCENARIOS: Scenario[] = [
  { label: "10 commands/s, job running", intervalMs: 100, busy: true, goal: 100 },
  { label: "40 commands/s, job running", intervalMs: 25, busy: true, goal: 100 },
  { label: "40 commands/s, worker idle", intervalMs: 25, busy: false },
  { label: "40 commands/s, job running on 1 ORT thread", intervalMs: 25, busy: true, intraOpNumThreads: 1 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The bot's in-process queue (this bench runs the single-process default), whose snapshot shows the running job. */
function localQueue(h: Harness) {
  const queue = h.bot.ctx.generations.queue;
  if (!(queue instanceof FairJobQueue)) throw new Error("bot-responsiveness measures the in-process queue; unset REDIS_URL");
  return queue;
}

/** Resolves once the worker has finished the running job's first step (so it is busy in the UNet). */
async function waitUntilRunning(h: Harness): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 100) {
    const running = localQueue(h).snapshot().running;
    if (running && running.step >= 1) return;
    await sleep(100);
  }
  throw new Error("The long job never started");
}

function deferredAt(h: Harness, interaction: FakeInteraction, timeoutMs = 30_000): Promise<number> {
  const route = `/interactions/${interaction.id}/${interaction.token}/callback`;
  return h.fake.waitForCall((c) => c.method === "POST" && c.route === route, timeoutMs).then((call) => call.at);
}

interface Round {
  latencies: number[];
  /** Event-loop delay p99 while the commands arrived, ms. */
  loopDelayP99: number;
  loopDelayMax: number;
  /** Share of the time the event loop was busy while the commands arrived (0–1). */
  utilization: number;
  /** Jobs waiting in the queue when the last command was deferred. */
  queued: number;
}

async function round(modelDir: string, image: Buffer, scenario: Scenario): Promise<Round> {
  const { intraOpNumThreads } = scenario;
  const inference = intraOpNumThreads
    ? await InferenceClient.start({ modelDir, loadOptions: { executionProviders: BENCH_PROVIDER, intraOpNumThreads } })
    : undefined;
  const h = await startHarness({
    modelDir,
    ...(inference ? { inference } : {}),
    env: { EXECUTION_PROVIDER: BENCH_PROVIDER },
    editIntervalMs: 1500, // the production default: status edits as often as the bot really sends them
    limits: { cooldownSeconds: 0, maxQueuedPerUser: 20, dailyImagesPerUser: 1000, maxSteps: 150 },
  });
  try {
    const users: APIUser[] = Array.from({ length: USERS }, (_, i) => {
      const user = h.fake.addUser({ username: `bench-${i}` });
      h.fake.addMember(h.guild.id, user.id);
      return user;
    });
    if (scenario.busy) {
      // The job that keeps the worker (and both cores) busy: 384², 100 steps. CFG is off to keep each UNet run
      // near 1.5 s: InferenceClient.close() terminates a worker still inside a run after 5 s, which aborts the process.
      const square = await testImage(384, 384);
      const extra = [
        { name: "size", type: OPTION.integer, value: 384 },
        { name: "steps", type: OPTION.integer, value: 100 },
        { name: "guidance", type: OPTION.number, value: 1 },
      ];
      await sendImg2Img(h, { image: square, extra });
      await waitUntilRunning(h);
    } else {
      // No job may start: the worker stays idle while the commands queue up.
      h.bot.ctx.generations.queue.pause();
    }
    for (let i = 0; i < WARMUP_COMMANDS; i++) await deferredAt(h, await sendImg2Img(h, { userId: h.users[1]!.id, image }));

    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const elu = performance.eventLoopUtilization();
    const pending: Array<Promise<number>> = [];
    for (let i = 0; i < COMMANDS; i++) {
      const dispatchedAt = Date.now();
      const interaction = await sendImg2Img(h, { userId: users[i % USERS]!.id, image, prompt: `a lighthouse, take ${i}` });
      pending.push(deferredAt(h, interaction).then((at) => at - dispatchedAt));
      await sleep(scenario.intervalMs);
    }
    const latencies = await Promise.all(pending);
    const utilization = performance.eventLoopUtilization(elu).utilization;
    loop.disable();
    const snapshot = localQueue(h).snapshot();
    if (scenario.busy && !snapshot.running) throw new Error("The long job ended before the commands did: not measured under load");
    return { latencies, loopDelayP99: loop.percentile(99) / 1e6, loopDelayMax: loop.max / 1e6, utilization, queued: snapshot.waiting.length };
  } finally {
    await h.stop();
  }
}

export default {
  id: "bot-responsiveness",
  title: "Bot responsiveness",
  async run() {
    const modelDir = await benchModel("sd15");
    const image = await testImage(96, 64);
    const figures: Figure[] = [];
    const notes: string[] = [];
    for (const scenario of SCENARIOS) {
      const rounds: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        rounds.push(await round(modelDir, image, scenario));
        const last = rounds.at(-1)!;
        log(`${scenario.label}, round ${r + 1}: p50 ${percentile(last.latencies, 50)} ms, p99 ${percentile(last.latencies, 99).toFixed(0)} ms, loop busy ${(last.utilization * 100).toFixed(0)} %`);
      }
      const how = `${ROUNDS} rounds × ${COMMANDS} commands from ${USERS} users (fresh bot each), after ${WARMUP_COMMANDS} warm-up`;
      figures.push(
        figure(`dispatch → defer p50, ${scenario.label}`, summarize(rounds.map((r) => percentile(r.latencies, 50))), "ms", { detail: how }),
        figure(`dispatch → defer p99, ${scenario.label}`, summarize(rounds.map((r) => percentile(r.latencies, 99))), "ms", {
          detail: how,
          ...(scenario.goal !== undefined ? { goal: scenario.goal } : {}),
        }),
        figure(`  event loop busy, ${scenario.label}`, summarize(rounds.map((r) => r.utilization * 100)), "%", { detail: "performance.eventLoopUtilization while the commands arrived" }),
      );
      const all = rounds.flatMap((r) => r.latencies);
      notes.push(
        `${scenario.label}: over all ${all.length} commands p50 ${percentile(all, 50)} ms, p99 ${percentile(all, 99).toFixed(0)} ms, slowest ${Math.max(...all)} ms; ` +
          `event-loop delay p99 ${summarize(rounds.map((r) => r.loopDelayP99)).median.toFixed(0)} ms (median of rounds), largest stall ${Math.max(...rounds.map((r) => r.loopDelayMax)).toFixed(0)} ms; ` +
          `${Math.min(...rounds.map((r) => r.queued))}–${Math.max(...rounds.map((r) => r.queued))} jobs had reached the queue when the last command was deferred.`,
      );
    }
    notes.push(
      "Times are Date.now() at dispatch and the fake's recorded answer time (millisecond clock). The running job is an sd15 img2img at 384² " +
        "(100 steps, CFG off) on ORT's default two intra-op threads, so the worker keeps both cores busy. After its defer each command downloads " +
        "its attachment from the fake CDN, decodes, resizes and stores it (sharp), reserves quota in SQLite and posts its queue position.",
      "The fake runs in the bot's process: its HTTP and gateway work shares the event loop; on Discord the defer also crosses the network (not measured).",
    );
    return { figures, notes };
  },
} satisfies Benchmark;
