/**
 * PostgreSQL statements per job in the distributed mode (issue 13): real processes (two bot processes on one shard
 * each, one stand-in GPU worker, the Discord fake in its own process) on a fresh database; /txt2img commands from
 * 10 members in 2 servers. Every statement the bots and the worker send is counted at the driver
 * (bench/lib/pg-statement-counter.ts: `pg.Client#query`, so BEGIN and COMMIT count, and a batch of reads Prisma
 * merges into one SELECT counts once) and named by its text (bench/lib/pg-statement-kinds.ts).
 *
 * Two phases, so each statement's path is known from when it was sent: the fleet's queue is held while the commands
 * arrive (the bots' command path: checks, reservation, status message), then released until every result is
 * posted (the worker's start, progress and store; the bots' delivery). The bots' scan for stored results runs on
 * a timer (every 5 s), so it is reported per minute, not per job.
 */
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { txt2img, CommandTracker, type SentCommand } from "./lib/fleet-commands.ts";
import { countsSince, type FleetProcess, type StatementCounts } from "./lib/fleet-process.ts";
import { startFleetWorld, type FleetWorld } from "./lib/fleet-world.ts";
import { log } from "./lib/log.ts";
import { byKind } from "./lib/pg-statement-kinds.ts";
import { summarize } from "./lib/stats.ts";

const ROUNDS = 3;
const MEMBERS = 10;
/** Commands per member and server: 10 members × 2 servers × 3 = 60 jobs per round. */
const PER_MEMBER = 3;
/** A steady trickle: Prisma merges reads that arrive in the same tick, so a burst would send fewer statements. */
const COMMANDS_PER_SECOND = 10;
const SCAN = "scan for stored results";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a statement was sent: which processes, in which phase. */
type Part = "bot: command" | "worker" | "bot: delivery";
const PARTS: Part[] = ["bot: command", "worker", "bot: delivery"];

interface Round {
  jobs: number;
  /** Statement kind → count, per part (scans left out). */
  kinds: Record<Part, Map<string, number>>;
  scans: number;
  /** Bot-process minutes the scans ran over. */
  botMinutes: number;
}

async function snapshot(processes: FleetProcess[]): Promise<StatementCounts[]> {
  return Promise.all(processes.map((p) => p.statements()));
}

/** Sums the statements of `processes` between two snapshots, by kind. */
function kindsBetween(before: StatementCounts[], after: StatementCounts[], which: number[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const i of which) {
    for (const [kind, n] of byKind(countsSince(before[i]!, after[i]!))) total.set(kind, (total.get(kind) ?? 0) + n);
  }
  return total;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function round(): Promise<Round> {
  const world: FleetWorld = await startFleetWorld({ guildsPerShard: 1, members: MEMBERS, workers: 1 });
  try {
    const processes = [...world.bots, ...world.workers];
    const bots = world.bots.map((_, i) => i);
    const workers = world.workers.map((_, i) => bots.length + i);
    await world.holdJobs(true);
    const tracker = new CommandTracker(world.fake);
    const start = await snapshot(processes);
    const startedAt = Date.now();

    const sent: SentCommand[] = [];
    let n = 0;
    for (let k = 0; k < PER_MEMBER; k++) {
      for (const guild of world.guilds) {
        for (const user of world.users) {
          const [one] = await world.fake.sendSlashCommands([txt2img(guild, user.id, `statements ${n++}`)]);
          if (one) sent.push({ token: one.interaction.token, sentAt: one.sentAt });
          await sleep(1000 / COMMANDS_PER_SECOND);
        }
      }
    }
    if (!(await tracker.waitFor(sent, (o) => o.reply !== undefined, 60_000))) throw new Error("not every command was answered");
    const refused = sent.filter(({ token }) => tracker.outcomes.get(token)?.reply?.queued !== true).length;
    if (refused) throw new Error(`${refused} commands were refused: the bench's limits are too tight`);
    // The status message's id is written just after "Queued as" shows.
    const linked = () => world.db.prisma.generation.count({ where: { statusMessageId: { not: null } } });
    await until(async () => (await linked()) === sent.length, "every status message linked", 30_000);
    const queued = await snapshot(processes);

    await world.holdJobs(false);
    const done = () => world.db.prisma.generation.count({ where: { status: "done" } });
    await until(async () => (await done()) === sent.length, "every result posted", 180_000);
    await sleep(500); // the read-back after the last "done"
    const end = await snapshot(processes);
    const botMinutes = (bots.length * (Date.now() - startedAt)) / 60_000;

    const kinds: Round["kinds"] = {
      "bot: command": kindsBetween(start, queued, bots),
      worker: kindsBetween(start, end, workers),
      "bot: delivery": kindsBetween(queued, end, bots),
    };
    let scans = 0;
    for (const part of PARTS) {
      scans += kinds[part].get(SCAN) ?? 0;
      kinds[part].delete(SCAN);
    }
    return { jobs: sent.length, kinds, scans, botMinutes };
  } finally {
    await world.stop();
  }
}

const sum = (kinds: Map<string, number>) => [...kinds.values()].reduce((a, b) => a + b, 0);

export default {
  id: "fleet-postgres",
  title: "The fleet's PostgreSQL statements per job (2 bot processes, 1 stand-in worker, real processes)",
  async run() {
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1}/${ROUNDS}`);
      rounds.push(await round());
    }
    const jobs = rounds[0]?.jobs ?? 0;
    const how = `${ROUNDS} rounds of ${jobs} /txt2img at ${COMMANDS_PER_SECOND}/s from ${MEMBERS} members in 2 servers; statements counted at the driver, BEGIN/COMMIT included`;
    const figures: Figure[] = [
      figure("PostgreSQL statements per job, whole fleet", summarize(rounds.map((r) => PARTS.reduce((a, p) => a + sum(r.kinds[p]), 0) / r.jobs)), "statements", {
        detail: `${how}; the 5-s scan for stored results left out`,
      }),
      ...PARTS.map((part) =>
        figure(`  ${part}`, summarize(rounds.map((r) => sum(r.kinds[part]) / r.jobs)), "statements", {
          detail:
            part === "bot: command"
              ? "dispatch → status message linked, the queue held: checks, reservation, status message"
              : part === "worker"
                ? "start, progress (4 steps reported), store"
                : "the queue released → every result posted",
        }),
      ),
      figure("scan for stored results, per bot process", summarize(rounds.map((r) => r.scans / r.botMinutes)), "statements/min", {
        detail: "one SELECT every 5 s whatever the load (the reads of what it finds count under delivery)",
      }),
    ];
    const last = rounds.at(-1);
    const notes: string[] = [];
    if (last) {
      for (const part of PARTS) {
        const kinds = [...last.kinds[part]].sort(([a], [b]) => a.localeCompare(b));
        notes.push(`${part}, per job (last round): ${kinds.map(([kind, n]) => `${kind} ${(n / last.jobs).toFixed(2)}`).join("; ") || "none"}.`);
      }
    }
    notes.push(
      "Each Prisma write (status message id, running, stored, done) runs as BEGIN; UPDATE; COMMIT: 3 statements. The reservation is one " +
        "transaction of 5 (BEGIN, the member's advisory lock, the quota snapshot, INSERT, COMMIT). Reads of a job by id are Prisma's " +
        "findUnique: reads that arrive in the same tick are merged into one SELECT … IN, so under load a read can cost less than one statement.",
      "Progress goes through Redis only (BullMQ job progress): the stand-in reports every step and the worker sends no statement for it.",
    );
    return { figures, notes };
  },
} satisfies Benchmark;
