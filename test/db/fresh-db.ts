import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db, type PostgresDb } from "../../src/db/client.ts";
import { reserveGeneration } from "../../src/db/generations.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import type { GenerationRecord, GenerationRequest, QuotaRules } from "../../src/db/types.ts";
import { createTestDatabase, postgresReachable, postgresWhere } from "./postgres-test-db.ts";

export type Engine = "sqlite" | "postgres";

/**
 * The engines the repository tests run on, each with why it is skipped, if it is: SQLite always; PostgreSQL when
 * reachable (CI has one: .ci/run checks it first).
 *
 * @example for (const { engine, skip } of await testEngines()) describe(`x (${engine})`, { skip }, () => {…})
 */
export async function testEngines(): Promise<Array<{ engine: Engine; skip: string | false }>> {
  const postgres = await postgresReachable();
  return [
    { engine: "sqlite", skip: false },
    { engine: "postgres", skip: postgres ? false : `PostgreSQL not reachable at ${postgresWhere()}` },
  ];
}

export interface FreshDb {
  db: Db;
  url: string;
  /** Closes the client and deletes the folder. */
  cleanup(): Promise<void>;
}

/** A migrated database of its own: a SQLite file in a temp folder, or a new PostgreSQL database (dropped after). */
export async function freshDb(engine: Engine = "sqlite"): Promise<FreshDb> {
  if (engine === "postgres") return freshPostgres();
  const dir = mkdtempSync(join(tmpdir(), "reroll-db-"));
  const url = `file:${join(dir, "test.db")}`;
  await migrateDatabase(url);
  const db = createDb(url);
  return {
    db,
    url,
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freshPostgres(): Promise<FreshDb> {
  const database = await createTestDatabase();
  await migrateDatabase(database.url);
  const db = createDb(database.url);
  return {
    db,
    url: database.url,
    async cleanup() {
      try {
        await db.close();
      } finally {
        await database.drop();
      }
    },
  };
}

/** A plausible txt2img request; override what the test is about. */
export function request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    guildId: "guild-1",
    channelId: "channel-1",
    userId: "user-1",
    kind: "txt2img",
    prompt: "a lighthouse at dusk, oil painting",
    negativePrompt: "blurry",
    strength: null,
    steps: 20,
    guidance: 7.5,
    scheduler: "ddim",
    width: 512,
    height: 768,
    seed: 42n,
    inputHash: null,
    model: "sd15",
    ...overrides,
  };
}

/** Rules that let everything through; override the limit under test. */
export function rules(overrides: Partial<QuotaRules> = {}): QuotaRules {
  return { dailyLimit: null, day: "2024-05-01", maxQueued: 1_000, maxWaitingEverywhere: 1_000, cooldownMs: 0, now: new Date("2024-05-01T12:00:00Z"), ...overrides };
}

/** Reserves a generation that the test expects to be accepted. */
export async function reserved(
  db: Db,
  overrides: Partial<GenerationRequest> = {},
  quota: Partial<QuotaRules> = {},
): Promise<GenerationRecord> {
  const result = await reserveGeneration(db, request(overrides), rules(quota));
  if (!result.ok) assert.fail(`expected the reservation to be accepted, got a "${result.reason}" refusal`);
  return result.generation;
}

/**
 * A second client on `fresh`'s PostgreSQL database whose pool has one connection and waits a second for it: a test
 * that holds that connection (`db.pool.connect()`) makes every other call find the pool busy.
 */
export function oneConnectionClient(fresh: FreshDb): PostgresDb {
  const url = new URL(fresh.url);
  url.searchParams.set("connection_limit", "1");
  url.searchParams.set("pool_timeout", "1");
  const opened = createDb(url.toString());
  if (opened.engine !== "postgres") assert.fail("expected a PostgreSQL Db");
  return opened;
}
