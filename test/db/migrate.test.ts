import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { PROJECT_ROOT } from "../../src/db/database-url.ts";
import { MIGRATIONS_DIR, MigrationError, migrateDatabase } from "../../src/db/migrate.ts";

const run = promisify(execFile);
const PRISMA_CLI = join(PROJECT_ROOT, "node_modules/prisma/build/index.js");

/** `prisma migrate deploy` on the database at `path`, offline, as `npm run db:migrate` runs it. */
async function cliDeploy(path: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [PRISMA_CLI, "migrate", "deploy"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: `file:${path}`, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    timeout: 60_000,
  });
  return stdout + stderr;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: string | null;
  applied_steps_count: number;
  logs: string | null;
}

function migrationRows(path: string): MigrationRow[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "_prisma_migrations" ORDER BY started_at`).all() as MigrationRow[];
  } finally {
    db.close();
  }
}

const committed = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("migrateDatabase", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "reroll-migrate-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("applies the committed migrations once, recorded as Prisma records them", async () => {
    const path = join(dir, "fresh", "reroll.db"); // the folder does not exist yet
    assert.deepEqual(await migrateDatabase(`file:${path}`), { applied: committed });
    assert.deepEqual(await migrateDatabase(`file:${path}`), { applied: [] });

    const rows = migrationRows(path);
    assert.deepEqual(rows.map((row) => row.migration_name), committed);
    for (const row of rows) {
      const script = readFileSync(join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      assert.equal(row.checksum, createHash("sha256").update(script).digest("hex"));
      assert.equal(row.applied_steps_count, 1);
      assert.match(row.finished_at ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    }
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      for (const table of ["Generation", "GuildMember", "GuildSettings", "RoleQuota"]) assert.ok(tables.includes(table), table);
    } finally {
      db.close();
    }
  });

  test("the Prisma CLI finds nothing to apply after it, and it finds nothing after the CLI", async () => {
    const ours = join(dir, "ours.db");
    await migrateDatabase(ours);
    const output = await cliDeploy(ours);
    assert.match(output, /No pending migrations to apply/);
    assert.equal(migrationRows(ours).length, committed.length);

    const theirs = join(dir, "theirs.db");
    assert.match(await cliDeploy(theirs), /All migrations have been successfully applied/);
    assert.deepEqual(await migrateDatabase(theirs), { applied: [] });
    assert.deepEqual(
      migrationRows(theirs).map(({ migration_name, checksum }) => ({ migration_name, checksum })),
      migrationRows(ours).map(({ migration_name, checksum }) => ({ migration_name, checksum })),
    );
  });

  test("a failing migration is recorded as failed and blocks later runs until resolved", async () => {
    const migrationsDir = join(dir, "migrations");
    cpSync(MIGRATIONS_DIR, migrationsDir, { recursive: true });
    mkdirSync(join(migrationsDir, "99990101000000_broken"));
    writeFileSync(join(migrationsDir, "99990101000000_broken", "migration.sql"), `ALTER TABLE "NoSuchTable" ADD COLUMN "x" TEXT;`);
    const path = join(dir, "broken.db");

    await assert.rejects(migrateDatabase(path, { migrationsDir }), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /99990101000000_broken.*NoSuchTable/);
      return true;
    });
    const broken = migrationRows(path).find((row) => row.migration_name === "99990101000000_broken");
    assert.equal(broken?.finished_at, null);
    assert.match(broken?.logs ?? "", /NoSuchTable/);
    await assert.rejects(migrateDatabase(path, { migrationsDir }), /failed earlier.*migrate resolve/);
  });
});
