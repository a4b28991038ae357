import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { BUSY_TIMEOUT_MS, createDb, type Db } from "../../src/db/client.ts";
import { databaseFilePath } from "../../src/db/database-url.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { getGuildSettings, updateGuildSettings } from "../../src/db/settings.ts";

/** Holds SQLite's write lock from another thread until told to commit. */
const LOCK_HOLDER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.exec("BEGIN IMMEDIATE");
db.prepare("INSERT INTO RoleQuota (guildId, roleId, dailyLimit, updatedAt) VALUES ('g', 'held', 1, '2024-01-01T00:00:00.000+00:00')").run();
parentPort.postMessage("locked");
setTimeout(() => { db.exec("COMMIT"); db.close(); }, workerData.holdMs);
`;

describe("createDb", () => {
  let dir: string;
  let path: string;
  let db: Db;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "reroll-client-"));
    path = join(dir, "data", "reroll.db");
    await migrateDatabase(path);
    db = createDb(`file:${path}`);
  });
  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("uses WAL and waits for a busy database", async () => {
    assert.deepEqual(await db.prisma.$queryRawUnsafe("PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
    assert.deepEqual(await db.prisma.$queryRawUnsafe("PRAGMA busy_timeout"), [{ timeout: BigInt(BUSY_TIMEOUT_MS) }]);
  });

  test("a write while another connection holds the lock is retried, not failed", async () => {
    const worker = new Worker(LOCK_HOLDER, {
      eval: true,
      workerData: { path, driver: createRequire(import.meta.url).resolve("better-sqlite3"), holdMs: 300 },
    });
    try {
      await new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject));
      const updated = await updateGuildSettings(db, "g", { maxSteps: 30 }, "admin");
      assert.equal(updated.maxSteps, 30);
      assert.equal((await getGuildSettings(db, "g")).maxSteps, 30);
      assert.equal(await db.prisma.roleQuota.count({ where: { roleId: "held" } }), 1, "the other connection committed first");
    } finally {
      await worker.terminate();
    }
  });
});

test("relative database URLs are resolved against the project root, not the working directory", () => {
  const root = databaseFilePath("file:./data/reroll.db");
  assert.ok(root.endsWith(join("data", "reroll.db")));
  assert.equal(databaseFilePath(`file:${root}`), root);
  assert.equal(databaseFilePath(":memory:"), ":memory:");
  assert.throws(() => databaseFilePath("file:"), /Expected a SQLite URL/);
});
