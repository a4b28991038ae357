import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type Database from "better-sqlite3";
import { createDb, type Db } from "../../src/db/client.ts";
import { findById, reserveGeneration } from "../../src/db/generations.ts";
import type { GenerationRequest, QuotaRules } from "../../src/db/types.ts";
import { freshDb, request, reserved, rules, type FreshDb } from "./fresh-db.ts";

/** The hot-path connection of a SQLite Db (these tests are about SQLite's storage). */
function sqliteOf(db: Db): Database.Database {
  if (db.engine !== "sqlite") assert.fail(`expected a SQLite Db, got ${db.engine}`);
  return db.sqlite;
}

/** Every column's value and SQLite storage class, but the id. */
function storedRow(fresh: FreshDb, id: number): Record<string, unknown> {
  const columns = (sqliteOf(fresh.db).prepare(`PRAGMA table_info("Generation")`).all() as Array<{ name: string }>)
    .map((column) => column.name)
    .filter((name) => name !== "id");
  const select = columns.map((name) => `"${name}", typeof("${name}") AS "${name}:type"`).join(", ");
  return sqliteOf(fresh.db).prepare(`SELECT ${select} FROM "Generation" WHERE "id" = ?`).get(id) as Record<string, unknown>;
}

describe("reserveGeneration's row", () => {
  let fresh: FreshDb;
  before(async () => {
    fresh = await freshDb();
  });
  after(() => fresh.cleanup());

  // The reservation writes with plain better-sqlite3; Prisma's create is what it replaced.
  const viaPrisma = async (req: GenerationRequest, quota: QuotaRules) => {
    const row = await fresh.db.prisma.generation.create({
      data: {
        ...req,
        seed: req.seed.toString(),
        variationSeed: req.variationSeed?.toString() ?? null,
        interactionId: req.interactionId ?? null,
        interactionToken: req.interactionToken ?? null,
        parentId: req.parentId ?? null,
        status: "queued",
        quotaDay: quota.day,
        charged: true,
        queuedAt: quota.now,
      },
    });
    return row.id;
  };

  const cases: Array<[string, () => Promise<Partial<GenerationRequest>>]> = [
    ["txt2img with every optional column empty", async () => ({})],
    [
      "img2img with every optional column set and a 64-bit seed",
      async () => ({
        kind: "img2img",
        strength: 0.6,
        inputHash: "abc123",
        guidance: 7,
        seed: 2n ** 64n - 1n,
        interactionId: "interaction-9",
        interactionToken: "token-9",
        parentId: (await reserved(fresh.db, { userId: "parent" })).id,
      }),
    ],
    ["a variation with a 64-bit variation seed", async () => ({ seed: 5n, variationSeed: 2n ** 64n - 2n, variationStrength: 0.1 })],
  ];
  for (const [name, overrides] of cases) {
    test(`${name}: reads back and is stored exactly like Prisma's create`, async () => {
      const req = request({ userId: "row", ...(await overrides()) });
      const quota = rules({ now: new Date("2024-05-01T12:34:56.789Z") });
      const result = await reserveGeneration(fresh.db, req, quota);
      assert.ok(result.ok);
      const oldId = await viaPrisma(req, quota);

      const fast = await findById(fresh.db, result.generation.id);
      const old = await findById(fresh.db, oldId);
      assert.ok(fast && old);
      assert.deepEqual(result.generation, fast);
      for (const key of Object.keys(old) as Array<keyof typeof old>) {
        if (key !== "id") assert.deepEqual(fast[key], old[key], key);
      }
      assert.deepEqual(Object.keys(fast).sort(), Object.keys(old).sort());
      assert.deepEqual(storedRow(fresh, fast.id), storedRow(fresh, oldId));
    });
  }

  test("a reservation waits for a Prisma write transaction without blocking the event loop", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // Holds the write lock across awaits, as Prisma's implicit transactions around updates do for a moment.
    const holder = fresh.db.prisma.$transaction(async (tx) => {
      await tx.guildMember.create({ data: { guildId: "guild-1", userId: "waiter", blocked: true } });
      locked();
      await released;
      await tx.guildMember.update({ where: { guildId_userId: { guildId: "guild-1", userId: "waiter" } }, data: { blocked: false } });
    });
    await lockTaken;
    const reservation = reserveGeneration(fresh.db, request({ userId: "waiter" }), rules());
    // Only reachable while the reservation waits asynchronously: SQLite's busy handler would hold the thread.
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await holder;
    const result = await reservation;
    assert.ok(result.ok, "the reservation saw the committed transaction: member unblocked");
  });
});

describe("createDb", () => {
  test("refuses :memory:, where its two connections would open two databases", () => {
    assert.throws(() => createDb(":memory:"), /each connection to :memory: would open its own empty database/);
  });

  test("close() closes both connections", async () => {
    const fresh = await freshDb();
    await fresh.cleanup();
    assert.equal(sqliteOf(fresh.db).open, false);
  });
});
