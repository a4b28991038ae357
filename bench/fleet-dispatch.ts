/**
 * Dispatch → defer with 2 bot processes under 100 commands/s (issue 13). Real processes as the distributed mode
 * runs them: the Discord fake in its own process serving 2 shards, two bot processes (startBot with REDIS_URL, a
 * postgresql:// DATABASE_URL, SHARD_COUNT=2 and one shard each), two stand-in GPU workers (4 steps of 25 ms per job,
 * so jobs run, progress and results are posted meanwhile), PostgreSQL and Redis. The driver has the fake dispatch
 * /txt2img at 100 per second for 15 s, spread over 100 members in 4 servers (2 on each shard). For each command:
 * from the fake's dispatch of INTERACTION_CREATE to its receipt of the deferral callback (type 5), both on the
 * fake's clock, as bench/burst.ts measures it.
 *
 * /txt2img rather than /img2img: the fake's own process serves no attachments to the driver. Both commands defer
 * before any other work (src/commands/*.ts), so the time measured is the bot's event loop reaching the command.
 */
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { CommandTracker, txt2img, type SentCommand } from "./lib/fleet-commands.ts";
import { startFleetWorld } from "./lib/fleet-world.ts";
import { log } from "./lib/log.ts";
import { percentile, summarize } from "./lib/stats.ts";

const ROUNDS = 3;
const RATE_PER_SECOND = 100;
const SECONDS = 15;
const MEMBERS = 100;
/** Discord's deadline for the first answer to an interaction. */
const DEADLINE_MS = 3_000;
/** The driver's tick: each sends the commands that are due, in one message to the fake's process. */
const TICK_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Round {
  sent: number;
  /** Commands per second as dispatched (first to last dispatch). */
  rate: number;
  /** Dispatch → deferral callback, ms, for every command that got one. */
  deferMs: number[];
  /** Commands with no deferral, or one the fake refused (its 3-s deadline passed). */
  missed: number;
  /** Deferrals later than Discord's 3 s (the fake refuses those). */
  late: number;
  /** Commands whose reply said "Queued as" within a minute of the last dispatch. */
  queued: number;
  /** Dispatch → "Queued as" (after the reservation in PostgreSQL and the job's place on Redis), ms. */
  queuedMs: number[];
  /** Commands whose reply said something else (a refusal). */
  refused: number;
  /** 429s the fake answered over the whole round (any route). */
  rateLimited: number;
  /** Those 429s by route shape. */
  rateLimitedRoutes: Map<string, number>;
  /** The jobs' records by status when the round ended (how far the fleet got through the backlog). */
  statuses: Record<string, number>;
}

async function round(): Promise<Round> {
  const world = await startFleetWorld({ guildsPerShard: 2, members: MEMBERS, workers: 2 });
  try {
    const tracker = new CommandTracker(world.fake);
    const total = RATE_PER_SECOND * SECONDS;
    const pending: Array<Promise<Array<{ interaction: { token: string }; sentAt: number }>>> = [];
    let next = 0;
    const started = performance.now();
    while (next < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * RATE_PER_SECOND) / 1000) + 1);
      const batch = [];
      for (; next < due; next++) {
        // Consecutive commands go to different servers, hence both shards; members take turns.
        const guild = world.guilds[next % world.guilds.length]!;
        const user = world.users[Math.floor(next / world.guilds.length) % world.users.length]!;
        batch.push(txt2img(guild, user.id, `dispatch ${next}`));
      }
      if (batch.length) pending.push(world.fake.sendSlashCommands(batch));
      await sleep(TICK_MS);
    }
    const sent: SentCommand[] = (await Promise.all(pending)).flat().map(({ interaction, sentAt }) => ({ token: interaction.token, sentAt }));
    // Every command is answered or past its deadline; then the replies, which wait for the reservation.
    await tracker.waitFor(sent, (o) => o.callback !== undefined, DEADLINE_MS + 2_000);
    await tracker.waitFor(sent, (o) => o.reply !== undefined, 60_000);
    const deferMs: number[] = [];
    let missed = 0;
    let late = 0;
    let queued = 0;
    let refused = 0;
    const queuedMs: number[] = [];
    for (const { token, sentAt } of sent) {
      const outcome = tracker.outcomes.get(token);
      if (outcome?.callback && outcome.callback.status < 300) deferMs.push(outcome.callback.at - sentAt);
      else missed += 1;
      if (outcome?.callback && outcome.callback.at - sentAt > DEADLINE_MS) late += 1;
      if (outcome?.reply?.queued) {
        queued += 1;
        queuedMs.push(outcome.reply.at - sentAt);
      } else if (outcome?.reply) refused += 1;
    }
    const times = sent.map((s) => s.sentAt);
    const rate = ((sent.length - 1) * 1000) / (Math.max(...times) - Math.min(...times));
    const { rateLimited } = await world.fake.stats();
    const groups = await world.db.prisma.generation.groupBy({ by: ["status"], _count: { _all: true } });
    const statuses = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
    return { sent: sent.length, rate, deferMs, missed, late, queued, queuedMs, refused, rateLimited, rateLimitedRoutes: tracker.rateLimited, statuses };
  } finally {
    await world.stop();
  }
}

function merged(maps: Array<Map<string, number>>): Map<string, number> {
  const total = new Map<string, number>();
  for (const map of maps) for (const [key, n] of map) total.set(key, (total.get(key) ?? 0) + n);
  return new Map([...total].sort(([, a], [, b]) => b - a));
}

export default {
  id: "fleet-dispatch",
  title: "Dispatch → defer with 2 bot processes under 100 commands/s (real processes, 2 shards, jobs running)",
  async run() {
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1}/${ROUNDS}: ${RATE_PER_SECOND} commands/s for ${SECONDS} s`);
      const result = await round();
      rounds.push(result);
      log(`  p50 ${percentile(result.deferMs, 50)} ms, p99 ${percentile(result.deferMs, 99)} ms, ${result.missed} missed, ${result.rateLimited} 429s`);
    }
    const how = `${ROUNDS} rounds of ${RATE_PER_SECOND * SECONDS} /txt2img over ${SECONDS} s from ${MEMBERS} members in 4 servers on 2 shards; 2 stand-in workers`;
    const figures: Figure[] = [
      ...[50, 95, 99].map((p) =>
        figure(`dispatch → defer p${p}, 2 bot processes at ${RATE_PER_SECOND} commands/s`, summarize(rounds.map((r) => percentile(r.deferMs, p))), "ms", {
          detail: how,
          ...(p === 99 ? { goal: DEADLINE_MS } : {}),
        }),
      ),
      figure("  slowest deferral", summarize(rounds.map((r) => Math.max(...r.deferMs))), "ms", { detail: how }),
      figure("  commands dispatched per second", summarize(rounds.map((r) => r.rate)), "commands/s", { detail: "first to last dispatch, the fake's clock" }),
      figure("  commands without a deferral within 3 s", summarize(rounds.map((r) => r.missed)), "commands", { detail: how }),
      figure("dispatch → \"Queued as\" p50", summarize(rounds.map((r) => percentile(r.queuedMs, 50))), "ms", {
        detail: "of the commands queued within a minute of the last dispatch: the reservation, the job on Redis, the reply's edit",
      }),
      figure("  commands not yet \"Queued as\" a minute after the last dispatch", summarize(rounds.map((r) => r.sent - r.queued)), "commands", { detail: how }),
      figure("  429 answers (any route) per round", summarize(rounds.map((r) => r.rateLimited)), "", { detail: "interaction callbacks are exempt from Discord's limits; edits and posts are not" }),
    ];
    const all = rounds.flatMap((r) => r.deferMs);
    const notes = [
      `Over all ${all.length} deferrals: p50 ${percentile(all, 50)} ms, p95 ${percentile(all, 95)} ms, p99 ${percentile(all, 99)} ms, slowest ${Math.max(...all)} ms; ` +
        `${rounds.reduce((a, r) => a + r.late, 0)} later than 3 s, ${rounds.reduce((a, r) => a + r.missed, 0)} without a deferral.`,
      `Replies: ${rounds.map((r) => `${r.queued} "Queued as", ${r.refused} refused, ${r.sent - r.queued - r.refused} not yet`).join("; ")} (per round, a minute after the last dispatch).`,
      `Jobs by status at each round's end: ${rounds.map((r) => Object.entries(r.statuses).map(([status, n]) => `${n} ${status}`).join(", ")).join("; ")}.`,
      `429s by route over all rounds: ${[...merged(rounds.map((r) => r.rateLimitedRoutes))].map(([route, n]) => `${n}× ${route}`).join(", ") || "none"}.`,
      "The fake runs in its own process, and times are its Date.now() at dispatch and at the callback's arrival: no network in between, unlike Discord.",
    ];
    return { figures, notes };
  },
} satisfies Benchmark;
