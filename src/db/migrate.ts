import { createHash, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { DEFAULT_DATABASE_URL, PROJECT_ROOT, databaseEngine, databaseFilePath, ensureDatabaseFolder } from "./database-url.ts";
import { migratePostgres } from "./migrate-postgres.ts";
import { failedEarlierMessage, listMigrations, MigrationError, type Migration } from "./migration-files.ts";
import { BUSY_TIMEOUT_MS } from "./sqlite-client.ts";
import { toSqliteTime } from "./sqlite-time.ts";

export { MigrationError } from "./migration-files.ts";

/** The committed SQLite migrations: `prisma/migrations/<timestamp>_<name>/migration.sql`. */
export const MIGRATIONS_DIR = resolve(PROJECT_ROOT, "prisma/migrations");

/** The committed PostgreSQL migrations (prisma/postgres/schema.prisma's), applied to a `postgresql://` URL. */
export const POSTGRES_MIGRATIONS_DIR = resolve(PROJECT_ROOT, "prisma/postgres/migrations");

/** Prisma's own bookkeeping table, created exactly as `prisma migrate deploy` creates it. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

export interface MigrateOptions {
  /**
   * Folder of migration folders.
   * @default MIGRATIONS_DIR (prisma/migrations), or POSTGRES_MIGRATIONS_DIR for a `postgresql://` URL
   */
  migrationsDir?: string;
}

export interface MigrationReport {
  /** Names of the migrations applied by this call, in order; empty when the database was up to date. */
  applied: string[];
}

interface MigrationRow {
  migration_name: string;
  finished_at: string | null;
  rolled_back_at: string | null;
}

/**
 * Brings the database at `url` up to date without the Prisma CLI: applies the committed
 * `<migrations>/<name>/migration.sql` files of its engine that are not yet applied, in folder-name order, and
 * records each in `_prisma_migrations` the way `prisma migrate deploy` does (same checksum, timestamps and step
 * count), so either tool can take over from the other. SQLite: also switches the file to WAL. PostgreSQL: holds
 * Prisma's migration lock meanwhile, so processes starting together migrate once.
 *
 * @param url `file:` URL or path (relative paths are resolved against the project root), or `postgresql://…`.
 * @throws MigrationError when a migration fails (it is recorded as failed, like Prisma does) or an
 *   earlier failed migration is still recorded; DatabaseUnavailableError when PostgreSQL cannot be reached.
 * @example await migrateDatabase(process.env.DATABASE_URL ?? "file:./data/reroll.db")
 */
export async function migrateDatabase(
  url: string = DEFAULT_DATABASE_URL,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  if (databaseEngine(url) === "postgres") {
    return { applied: await migratePostgres(url, listMigrations(options.migrationsDir ?? POSTGRES_MIGRATIONS_DIR)) };
  }
  const migrations = listMigrations(options.migrationsDir ?? MIGRATIONS_DIR);
  const path = databaseFilePath(url);
  ensureDatabaseFolder(path);
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma("journal_mode = WAL");
    db.exec(CREATE_MIGRATIONS_TABLE);
    const rows = db
      .prepare(`SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`)
      .all() as MigrationRow[];
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(failedEarlierMessage(failed.migration_name));
    }
    const done = new Set(rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => row.migration_name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      applyMigration(db, migration);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    db.close();
  }
}

/** Prisma applies a script outside a transaction (its SQLite table rebuilds toggle PRAGMA foreign_keys). */
function applyMigration(db: Database.Database, migration: Migration): void {
  const id = randomUUID();
  const checksum = createHash("sha256").update(migration.script).digest("hex");
  db.prepare(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)`,
  ).run(id, checksum, migration.name, toSqliteTime(new Date()));
  try {
    db.exec(migration.script);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    db.prepare(`UPDATE "_prisma_migrations" SET logs = ? WHERE id = ?`).run(message, id);
    throw new MigrationError(`Migration "${migration.name}" failed: ${message}`, { cause: error });
  }
  db.prepare(`UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`).run(toSqliteTime(new Date()), id);
}
