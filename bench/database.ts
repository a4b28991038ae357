/**
 * The database under a year of use: 1,000,000 generation rows in SQLite, then the two calls every command makes,
 * through the real repositories: the quota check (usageToday) and the reservation that checks quota, queue cap and
 * cooldown and inserts the job in one transaction (reserveGeneration), side by side with references: the same
 * transaction in bare better-sqlite3, and the reservation as it was before (a Prisma interactive transaction).
 * Goal: p99 ≤ 2 ms.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  UNFINISHED_STATUSES,
  createDb,
  migrateDatabase,
  reserveGeneration,
  usageToday,
  type Db,
  type GenerationRequest,
  type QuotaRules,
} from "../src/db/index.ts";
import { toSqliteTime } from "../src/db/sqlite-time.ts";
import { figure, type Benchmark, type Figure } from "./lib/benchmark.ts";
import { log } from "./lib/log.ts";
import { percentile, summarize } from "./lib/stats.ts";

const TOTAL_ROWS = 1_000_000;
const GUILDS = 20;
const USERS_PER_GUILD = 2_500;
/** Heavy users: the worst case for any query that scans one member's rows. */
const POWER_USERS = 20;
const POWER_USER_ROWS = 5_000;
const DAYS = 365;
const ROUNDS = 5;
const CALLS_PER_ROUND = 200;
const WARMUP_CALLS = 200;
const TODAY = new Date("2026-06-30T12:00:00Z");

const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/** Fills the Generation table with plain better-sqlite3 in one transaction: seconds, not the hour Prisma would take. */
function fill(path: string): number {
  const started = performance.now();
  const sqlite = new Database(path);
  const insert = sqlite.prepare(`INSERT INTO "Generation" ("guildId","channelId","userId","kind","prompt","negativePrompt","strength",
    "steps","guidance","scheduler","width","height","seed","inputHash","model","status","interactionId","resultMessageId","quotaDay",
    "charged","queuedAt","startedAt","finishedAt","queueMs","runMs","stepMs")
    VALUES (?,?,?,?,?,'',?,30,7.5,'ddim',512,512,?,?,'sd15',?,?,?,?,?,?,?,?,?,?,?)`);
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const row = (n: number, guild: number, user: string) => {
    const queued = new Date(TODAY.getTime() - Math.floor(random() * DAYS * 86_400_000) - 3_600_000);
    const roll = random();
    const status = roll < 0.9 ? "done" : roll < 0.96 ? "failed" : "cancelled";
    const img2img = random() < 0.6;
    insert.run(
      `guild-${guild}`, `channel-${guild}`, user, img2img ? "img2img" : "txt2img", `prompt number ${n}, a lighthouse at dusk`,
      img2img ? 0.75 : null, String(n * 7919), img2img ? `hash-${n}` : null, status, `interaction-${n}`,
      status === "done" ? `message-${n}` : null, dayOf(queued), status === "done" ? 1 : 0, toSqliteTime(queued),
      toSqliteTime(new Date(queued.getTime() + 2_000)), toSqliteTime(new Date(queued.getTime() + 30_000)), 2_000, 28_000, 930,
    );
  };
  sqlite.transaction(() => {
    let n = 0;
    for (let p = 0; p < POWER_USERS; p++) for (let i = 0; i < POWER_USER_ROWS; i++) row(n++, p % GUILDS, `power-${p}`);
    while (n < TOTAL_ROWS) {
      const guild = Math.floor(random() * GUILDS);
      row(n++, guild, `user-${guild}-${Math.floor(random() * USERS_PER_GUILD)}`);
    }
  })();
  sqlite.close();
  return performance.now() - started;
}

/**
 * Reference, not the bot's code: the same reservation (member, daily count, active count, last request, insert) as
 * one better-sqlite3 transaction with prepared statements: what SQLite itself costs, without Prisma.
 */
function rawReservation(path: string): (n: number) => void {
  const sqlite = new Database(path, { timeout: 10_000 });
  const member = sqlite.prepare(`SELECT "blocked", "usageResetAt" FROM "GuildMember" WHERE "guildId"=? AND "userId"=?`);
  const daily = sqlite.prepare(`SELECT COUNT(*) AS n FROM "Generation" WHERE "guildId"=? AND "userId"=? AND "quotaDay"=? AND "charged"=1`);
  const active = sqlite.prepare(`SELECT COUNT(*) AS n FROM "Generation" WHERE "guildId"=? AND "userId"=? AND "status" IN ('queued','running')`);
  const last = sqlite.prepare(`SELECT "queuedAt" FROM "Generation" WHERE "guildId"=? AND "userId"=? ORDER BY "queuedAt" DESC LIMIT 1`);
  const insert = sqlite.prepare(`INSERT INTO "Generation" ("guildId","channelId","userId","kind","prompt","steps","guidance","scheduler",
    "width","height","seed","model","quotaDay","queuedAt") VALUES (?,?,?,'img2img','raw reference',30,7.5,'ddim',512,512,?,'sd15',?,?)`);
  const reserve = sqlite.transaction((guildId: string, userId: string, n: number) => {
    member.get(guildId, userId);
    daily.get(guildId, userId, dayOf(TODAY));
    active.get(guildId, userId);
    last.get(guildId, userId);
    insert.run(guildId, `channel-raw`, userId, String(n), dayOf(TODAY), toSqliteTime(new Date(TODAY.getTime() + n * 1000)));
  });
  return (n) => reserve.immediate(`guild-${(n % POWER_USERS) % GUILDS}`, `power-${n % POWER_USERS}`, n);
}

/**
 * Reference, not the bot's code: reserveGeneration as it was before it moved to better-sqlite3 (commit f2a0e2b):
 * the same checks as a Prisma interactive transaction, one round trip per query.
 */
function previousReservation(db: Db): (n: number) => Promise<void> {
  return async (n) => {
    const req = request(n % POWER_USERS, n);
    const { guildId, userId } = req;
    const now = new Date(TODAY.getTime() + n * 1000);
    await db.prisma.$transaction(async (tx) => {
      const member = await tx.guildMember.findUnique({ where: { guildId_userId: { guildId, userId } } });
      if (member?.blocked) throw new Error("blocked");
      await tx.generation.count({ where: { guildId, userId, quotaDay: dayOf(TODAY), charged: true } });
      await tx.generation.count({ where: { guildId, userId, status: { in: [...UNFINISHED_STATUSES] } } });
      await tx.generation.findFirst({ where: { guildId, userId }, orderBy: { queuedAt: "desc" }, select: { queuedAt: true } });
      await tx.generation.create({
        data: { ...req, seed: req.seed.toString(), variationSeed: req.variationSeed?.toString() ?? null, status: "queued", quotaDay: dayOf(TODAY), charged: true, queuedAt: now },
      });
    });
  };
}

/** How SQLite runs each query the two calls make (from the SQL Prisma sends, with literal values). */
function queryPlans(path: string): string[] {
  const sqlite = new Database(path, { readonly: true });
  const day = dayOf(TODAY);
  const queries: Record<string, string> = {
    "daily count": `SELECT COUNT(*) FROM "Generation" WHERE "guildId"='guild-0' AND "userId"='power-0' AND "quotaDay"='${day}' AND "charged"=1`,
    "active count": `SELECT COUNT(*) FROM "Generation" WHERE "guildId"='guild-0' AND "userId"='power-0' AND "status" IN ('queued','running')`,
    "last request": `SELECT "queuedAt" FROM "Generation" WHERE "guildId"='guild-0' AND "userId"='power-0' ORDER BY "queuedAt" DESC LIMIT 1`,
  };
  const plans = Object.entries(queries).map(([name, sql]) => {
    const plan = (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join("; ");
    return `${name}: \`${plan}\``;
  });
  sqlite.close();
  return plans;
}

function request(user: number, n: number): GenerationRequest {
  return {
    guildId: `guild-${user % GUILDS}`, channelId: `channel-${user % GUILDS}`, userId: `power-${user}`, kind: "img2img",
    prompt: `benchmark request ${n}`, negativePrompt: "", strength: 0.75, steps: 30, guidance: 7.5, scheduler: "ddim",
    width: 512, height: 512, seed: BigInt(n), inputHash: `bench-${n}`, model: "sd15", interactionId: `bench-${n}`, interactionToken: "token",
  };
}

/** Per round: p50 and p99 of `CALLS_PER_ROUND` timed calls, after the warm-up. `n` never repeats across calls. */
let callNumber = 0;
async function rounds(call: (n: number) => Promise<unknown> | unknown): Promise<{ p50: number[]; p99: number[]; all: number[] }> {
  for (let i = 0; i < WARMUP_CALLS; i++) await call(callNumber++);
  const p50: number[] = [];
  const p99: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const times: number[] = [];
    for (let i = 0; i < CALLS_PER_ROUND; i++) {
      const n = callNumber++;
      const started = performance.now();
      await call(n);
      times.push(performance.now() - started);
    }
    p50.push(percentile(times, 50));
    p99.push(percentile(times, 99));
    all.push(...times);
  }
  return { p50, p99, all };
}

/** Both percentiles as table rows; the goal applies to p99. */
function percentileFigures(label: string, measured: { p50: number[]; p99: number[] }, detail: string, goal?: number): Figure[] {
  return [
    figure(`${label} p50`, summarize(measured.p50), "ms", { detail }),
    figure(`${label} p99`, summarize(measured.p99), "ms", { detail, ...(goal !== undefined ? { goal } : {}) }),
  ];
}

export default {
  id: "database",
  title: "Database (1M rows)",
  async run() {
    const dir = await mkdtemp(join(tmpdir(), "reroll-bench-db-"));
    const path = join(dir, "bench.db");
    const url = `file:${path}`;
    let db: Db | undefined;
    try {
      await migrateDatabase(url);
      const fillMs = fill(path);
      log(`inserted ${TOTAL_ROWS.toLocaleString("en-US")} rows in ${(fillMs / 1000).toFixed(1)} s`);
      db = createDb(url);
      const open = db;
      const day = dayOf(TODAY);
      // A simulated clock one second apart per call: each heavy user asks every 20 s, past the 10 s cooldown,
      // so every reservation runs all of its checks and inserts.
      const rules = (n: number): QuotaRules => ({ dailyLimit: 1_000_000, day, maxQueued: 1_000_000, maxWaitingEverywhere: 1_000_000, cooldownMs: 10_000, now: new Date(TODAY.getTime() + n * 1000) });
      const quotaCheck = (n: number) => usageToday(open, `guild-${(n % POWER_USERS) % GUILDS}`, `power-${n % POWER_USERS}`, day);
      const reservation = async (n: number) => {
        const result = await reserveGeneration(open, request(n % POWER_USERS, n), rules(n));
        if (!result.ok) throw new Error(`reservation refused: ${result.reason}`);
      };
      const quota = await rounds(quotaCheck);
      const reserve = await rounds(reservation);
      const raw = await rounds(rawReservation(path));
      const previous = await rounds(previousReservation(open));
      const plans = queryPlans(path);

      const how = `${ROUNDS} rounds × ${CALLS_PER_ROUND} calls after ${WARMUP_CALLS} warm-up; heavy users (${POWER_USER_ROWS.toLocaleString("en-US")} rows each)`;
      const figures: Figure[] = [
        ...percentileFigures("quota check (usageToday)", quota, how, 2),
        ...percentileFigures("reserve + insert (reserveGeneration)", reserve, how, 2),
        ...percentileFigures("  reference: same transaction, bare better-sqlite3", raw, how),
        ...percentileFigures("  reference: before, a Prisma interactive transaction", previous, how),
      ];
      const notes = [
        `${TOTAL_ROWS.toLocaleString("en-US")} rows over ${DAYS} days in ${GUILDS} servers (${POWER_USERS} heavy users with ${POWER_USER_ROWS.toLocaleString("en-US")} rows each, ` +
          `the rest spread over ${(GUILDS * USERS_PER_GUILD).toLocaleString("en-US")} members), bulk-inserted with better-sqlite3 in one transaction in ${(fillMs / 1000).toFixed(1)} s. ` +
          "Each call's rows are those of a heavy user: the worst case for a query that reads one member's rows.",
        "reserveGeneration runs its checks and the insert as one synchronous better-sqlite3 transaction and builds the record from the " +
          "values it wrote (no Prisma query); usageToday is two reads in one snapshot on the same connection.",
        `Slowest single call: quota check ${Math.max(...quota.all).toFixed(2)} ms, reservation ${Math.max(...reserve.all).toFixed(2)} ms.`,
        `Query plans (schema as committed): ${plans.join("; ")}.`,
      ];
      return { figures, notes };
    } finally {
      await db?.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
} satisfies Benchmark;
