import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { PROJECT_ROOT } from "../../src/db/database-url.ts";
import { MigrationError, POSTGRES_MIGRATIONS_DIR, migrateDatabase } from "../../src/db/migrate.ts";
import { createTestDatabase, postgresReachable, postgresWhere } from "./postgres-test-db.ts";

const run = promisify(execFile);
const PRISMA_CLI = join(PROJECT_ROOT, "node_modules/prisma/build/index.js");
const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;

/** `prisma migrate deploy` on the database at `url`, offline, as `npm run db:migrate` runs it. */
async function cliDeploy(url: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [PRISMA_CLI, "migrate", "deploy"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    timeout: 60_000,
  });
  return stdout + stderr;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

const migrationRows = (url: string) => query<MigrationRow>(url, `SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`);

const committed = readdirSync(POSTGRES_MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("migrateDatabase on PostgreSQL", { skip }, () => {
  const databases: Array<{ url: string; drop(): Promise<void> }> = [];
  const fresh = async () => {
    const database = await createTestDatabase();
    databases.push(database);
    return database.url;
  };
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "reroll-migrate-pg-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const database of databases) await database.drop();
  });

  test("applies the committed migrations once, recorded as Prisma records them", async () => {
    const url = await fresh();
    assert.deepEqual(await migrateDatabase(url), { applied: committed });
    assert.deepEqual(await migrateDatabase(url), { applied: [] });
    const rows = await migrationRows(url);
    assert.deepEqual(rows.map((row) => row.migration_name), committed);
    for (const row of rows) {
      const script = readFileSync(join(POSTGRES_MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      assert.equal(row.checksum, createHash("sha256").update(script).digest("hex"));
      assert.equal(row.applied_steps_count, 1);
      assert.ok(row.finished_at instanceof Date);
    }
  });

  test("processes starting together migrate once", async () => {
    const url = await fresh();
    const reports = await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
    assert.deepEqual(reports.map((report) => report.applied.length).sort(), [0, 0, committed.length]);
    assert.equal((await migrationRows(url)).length, committed.length);
  });

  test("the Prisma CLI finds nothing to apply after it, and it finds nothing after the CLI", async () => {
    const ours = await fresh();
    await migrateDatabase(ours);
    assert.match(await cliDeploy(ours), /No pending migrations to apply/);
    assert.equal((await migrationRows(ours)).length, committed.length);

    const theirs = await fresh();
    assert.match(await cliDeploy(theirs), /All migrations have been successfully applied/);
    assert.deepEqual(await migrateDatabase(theirs), { applied: [] });
    const names = (rows: MigrationRow[]) => rows.map(({ migration_name, checksum }) => ({ migration_name, checksum }));
    assert.deepEqual(names(await migrationRows(theirs)), names(await migrationRows(ours)));
  });

  test("a failing migration leaves nothing of itself, is recorded as failed and blocks later runs", async () => {
    const migrationsDir = join(dir, "migrations");
    cpSync(POSTGRES_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    mkdirSync(join(migrationsDir, "99990101000000_broken"));
    writeFileSync(
      join(migrationsDir, "99990101000000_broken", "migration.sql"),
      `CREATE TABLE "HalfDone" ("x" TEXT);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" TEXT;\n`,
    );
    const url = await fresh();
    await assert.rejects(migrateDatabase(url, { migrationsDir }), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /99990101000000_broken.*NoSuchTable/);
      return true;
    });
    const broken = (await migrationRows(url)).find((row) => row.migration_name === "99990101000000_broken");
    assert.equal(broken?.finished_at, null);
    assert.match(broken?.logs ?? "", /NoSuchTable/);
    assert.deepEqual(await query(url, `SELECT to_regclass('"HalfDone"') AS t`), [{ t: null }], "the script ran as one transaction");
    await assert.rejects(migrateDatabase(url, { migrationsDir }), /failed earlier.*migrate resolve/);
  });

  test("the migrated tables, columns and indexes are SQLite's", async () => {
    const url = await fresh();
    await migrateDatabase(url);
    const sqlitePath = join(dir, "sqlite.db");
    await migrateDatabase(`file:${sqlitePath}`);

    const pgColumns = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      url,
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const pgIndexes = await query<{ indexname: string }>(
      url,
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' AND indexname NOT LIKE '%_pkey'`,
    );
    const sqlite = new Database(sqlitePath, { readonly: true });
    try {
      const tables = sqlite
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'`)
        .pluck()
        .all() as string[];
      const sqliteColumns = tables.flatMap((table) =>
        (sqlite.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string; type: string; notnull: number; pk: number }>).map(
          (column) => `${table}.${column.name} ${SQLITE_TO_POSTGRES[column.type] ?? column.type} ${column.notnull || column.pk ? "NOT NULL" : "NULL"}`,
        ),
      );
      const postgresColumns = pgColumns.map((c) => `${c.table_name}.${c.column_name} ${c.data_type} ${c.is_nullable === "YES" ? "NULL" : "NOT NULL"}`);
      assert.deepEqual(postgresColumns.sort(), sqliteColumns.sort());
      const sqliteIndexes = sqlite
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'`)
        .pluck()
        .all() as string[];
      assert.deepEqual(pgIndexes.map((index) => index.indexname).sort(), sqliteIndexes.sort());
    } finally {
      sqlite.close();
    }
  });
});

/** What Prisma's SQLite column types are on PostgreSQL. */
const SQLITE_TO_POSTGRES: Record<string, string> = {
  TEXT: "text",
  INTEGER: "integer",
  REAL: "double precision",
  BOOLEAN: "boolean",
  DATETIME: "timestamp without time zone",
};
