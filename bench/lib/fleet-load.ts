/**
 * The load of the fleet-dispatch bench: the Discord fake dispatches /txt2img at a steady rate to two bot processes
 * (one shard each) while two stand-in workers run the jobs; each command's deferral and reply are read from the
 * fake's record of calls (bench/lib/fleet-commands.ts).
 */
import { Redis } from "ioredis";
import { CommandTracker, txt2img, type SentCommand } from "./fleet-commands.ts";
import { BENCH_REDIS_URL, startFleetWorld } from "./fleet-world.ts";
import { commandCount } from "./redis-keys.ts";

/** Discord's deadline for the first answer to an interaction. */
export const DEADLINE_MS = 3_000;
/** The driver's tick: each sends the commands that are due, in one message to the fake's process. */
const TICK_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Round {
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
  /** Commands answered with something else: a refusal, or an error such as "database unreachable". */
  refused: number;
  /** 429s the fake answered over the whole round (any route). */
  rateLimited: number;
  /** Those 429s by route shape. */
  rateLimitedRoutes: Map<string, number>;
  /** The jobs' records by status when the round ended (how far the fleet got through the backlog). */
  statuses: Record<string, number>;
  /** Each bot process's CPU time over the round ÷ the round's wall time (1 = one core busy throughout). */
  botCpu: number[];
  /** Commands the Redis server answered over the round ÷ commands dispatched (the whole server's). */
  redisPerCommand: number;
  /** Failed jobs' errors and the processes' logged warnings, by message. */
  problems: Map<string, number>;
}

/**
 * One round on a fresh fleet: `rate` /txt2img per second for `seconds`, then up to a minute for the replies; what
 * became of each command, and what the fleet did meanwhile.
 */
export async function dispatchRound(rate: number, seconds: number, members: number): Promise<Round> {
  const world = await startFleetWorld({ guildsPerShard: 2, members, workers: 2 });
  try {
    const tracker = new CommandTracker(world.fake);
    const redis = new Redis(BENCH_REDIS_URL);
    const redisBefore = await commandCount(redis);
    const cpuBefore = await Promise.all(world.bots.map((bot) => bot.cpuSeconds()));
    const total = rate * seconds;
    const pending: Array<Promise<Array<{ interaction: { token: string }; sentAt: number }>>> = [];
    let next = 0;
    const started = performance.now();
    while (next < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
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
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuAfter = await Promise.all(world.bots.map((bot) => bot.cpuSeconds()));
    const botCpu = cpuAfter.map((after, i) => ((after ?? 0) - (cpuBefore[i] ?? 0)) / wallSeconds);
    const redisPerCommand = ((await commandCount(redis)) - redisBefore) / total;
    redis.disconnect();
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
    const achieved = ((sent.length - 1) * 1000) / (Math.max(...times) - Math.min(...times));
    const { rateLimited } = await world.fake.stats();
    const groups = await world.db.prisma.generation.groupBy({ by: ["status"], _count: { _all: true } });
    const statuses = Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
    const problems = new Map<string, number>();
    const errors = await world.db.prisma.generation.groupBy({ by: ["error"], where: { status: "failed" }, _count: { _all: true } });
    for (const e of errors) problems.set(`job failed: ${e.error ?? "(no message)"}`, e._count._all);
    for (const p of [...world.bots, ...world.workers]) {
      for (const line of p.lines) {
        const logged = logLine(line);
        if (logged) problems.set(`${p.name.replace(/\d+$/, "")} logged: ${logged}`, (problems.get(`${p.name.replace(/\d+$/, "")} logged: ${logged}`) ?? 0) + 1);
      }
    }
    return { sent: sent.length, rate: achieved, deferMs, missed, late, queued, queuedMs, refused, rateLimited, rateLimitedRoutes: tracker.rateLimited, statuses, botCpu, redisPerCommand, problems };
  } finally {
    await world.stop();
  }
}

/** A pino line's message and error message, or undefined for other output. */
function logLine(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return entry.msg === undefined ? undefined : `${entry.msg}${entry.err?.message ? ` (${entry.err.message.slice(0, 120)})` : ""}`;
  } catch {
    return undefined;
  }
}

export function merged(maps: Array<Map<string, number>>): Map<string, number> {
  const total = new Map<string, number>();
  for (const map of maps) for (const [key, n] of map) total.set(key, (total.get(key) ?? 0) + n);
  return new Map([...total].sort(([, a], [, b]) => b - a));
}
