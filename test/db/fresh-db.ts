import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db } from "../../src/db/client.ts";
import { reserveGeneration } from "../../src/db/generations.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import type { GenerationRecord, GenerationRequest, QuotaRules } from "../../src/db/types.ts";

export interface FreshDb {
  db: Db;
  url: string;
  /** Closes the client and deletes the folder. */
  cleanup(): Promise<void>;
}

/** A migrated SQLite file in its own temp folder. */
export async function freshDb(): Promise<FreshDb> {
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
