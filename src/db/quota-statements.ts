import type Database from "better-sqlite3";
import { UNFINISHED_STATUSES, type GenerationRequest } from "./types.ts";

/** A Generation row as plain better-sqlite3 binds it: the values Prisma's adapter would write for the same create. */
export type GenerationInsert = Omit<Required<GenerationRequest>, "seed" | "variationSeed"> & {
  /** Decimal: SQLite integers are signed. */
  seed: string;
  variationSeed: string | null;
  status: string;
  quotaDay: string;
  /** 1 or 0, as the adapter writes booleans. */
  charged: 1 | 0;
  /** See toSqliteTime. */
  queuedAt: string;
};

/** The statements a reservation and a quota check run, prepared once per connection. */
export interface QuotaStatements {
  /** → `{ blocked: 0 | 1, usageResetAt: string | null }` or undefined. */
  member: Database.Statement<[guildId: string, userId: string], { blocked: number; usageResetAt: string | null }>;
  /** Images of charged generations on a quota day → count. */
  charged: Database.Statement<[guildId: string, userId: string, quotaDay: string], number>;
  /** The same, queued at or after a usage reset (compared as stored text, as Prisma compares it). */
  chargedSince: Database.Statement<[guildId: string, userId: string, quotaDay: string, since: string], number>;
  /** Queued or running generations → count. */
  active: Database.Statement<[guildId: string, userId: string], number>;
  /** Queued (waiting, not running) generations in every server → count. */
  waitingEverywhere: Database.Statement<[userId: string], number>;
  /** The newest queuedAt text, or undefined. */
  lastQueuedAt: Database.Statement<[guildId: string, userId: string], string>;
  insert: Database.Statement<[GenerationInsert]>;
}

const statements = new WeakMap<Database.Database, QuotaStatements>();

/** The prepared statements for `sqlite`; prepared on first use (the tables exist by then: migrated first). */
export function quotaStatements(sqlite: Database.Database): QuotaStatements {
  let prepared = statements.get(sqlite);
  if (!prepared) statements.set(sqlite, (prepared = prepare(sqlite)));
  return prepared;
}

const member = `"guildId" = ? AND "userId" = ?`;
const unfinished = UNFINISHED_STATUSES.map((status) => `'${status}'`).join(", ");
const columns = [
  "guildId", "channelId", "userId", "kind", "prompt", "negativePrompt", "strength", "steps", "guidance", "scheduler", "width",
  "height", "seed", "inputHash", "model", "status", "interactionId", "interactionToken", "parentId", "quotaDay", "charged", "queuedAt",
  "imageCount", "gridIndex", "variationSeed", "variationStrength",
] as const satisfies ReadonlyArray<keyof GenerationInsert>;

function prepare(sqlite: Database.Database): QuotaStatements {
  // Images, not jobs: a grid of 4 counts 4.
  const charged = `SELECT COALESCE(SUM("imageCount"), 0) FROM "Generation" WHERE ${member} AND "quotaDay" = ? AND "charged" = 1`;
  return {
    member: sqlite.prepare(`SELECT "blocked", "usageResetAt" FROM "GuildMember" WHERE ${member}`),
    charged: sqlite.prepare<[string, string, string], number>(charged).pluck(),
    chargedSince: sqlite.prepare<[string, string, string, string], number>(`${charged} AND "queuedAt" >= ?`).pluck(),
    active: sqlite.prepare<[string, string], number>(`SELECT COUNT(*) FROM "Generation" WHERE ${member} AND "status" IN (${unfinished})`).pluck(),
    waitingEverywhere: sqlite.prepare<[string], number>(`SELECT COUNT(*) FROM "Generation" WHERE "userId" = ? AND "status" = 'queued'`).pluck(),
    lastQueuedAt: sqlite
      .prepare<[string, string], string>(`SELECT "queuedAt" FROM "Generation" WHERE ${member} ORDER BY "queuedAt" DESC LIMIT 1`)
      .pluck(),
    insert: sqlite.prepare(
      `INSERT INTO "Generation" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`,
    ),
  };
}
