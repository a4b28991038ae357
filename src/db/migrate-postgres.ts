import { createHash, randomUUID } from "node:crypto";
import pg from "pg";
import { unlessUnavailable } from "./database-unavailable.ts";
import { failedEarlierMessage, MigrationError, type Migration } from "./migration-files.ts";
import { CONNECT_TIMEOUT_MS } from "./postgres-client.ts";

/** Prisma's bookkeeping table, created exactly as `prisma migrate deploy` creates it on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * The session lock Prisma's schema engine takes while it migrates PostgreSQL: taking the same one means bot
 * processes starting together, and `prisma migrate deploy`, migrate one at a time.
 */
const PRISMA_MIGRATE_LOCK = 72707369;

interface MigrationRow {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies the `migrations` not yet recorded in the PostgreSQL database at `url`, recorded as
 * `prisma migrate deploy` records them (same checksum, step count and timestamps). Each script runs as one
 * simple query, which PostgreSQL runs as one transaction: a failing one leaves nothing of itself behind.
 *
 * @returns the names applied by this call, in order.
 * @throws MigrationError when a migration fails or an earlier failure is still recorded;
 *   DatabaseUnavailableError when the server cannot be reached.
 */
export function migratePostgres(url: string, migrations: Migration[]): Promise<string[]> {
  return unlessUnavailable(async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on("error", () => {}); // a lost connection fails the running query, which says so
    await client.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<MigrationRow>(`SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`);
      const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
      if (failed) throw new MigrationError(failedEarlierMessage(failed.migration_name));
      const done = new Set(rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => row.migration_name));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.name)) continue;
        await applyMigration(client, migration);
        applied.push(migration.name);
      }
      return applied;
    } finally {
      await client.end().catch(() => {}); // ending the session releases the lock
    }
  });
}

async function applyMigration(client: pg.Client, migration: Migration): Promise<void> {
  const id = randomUUID();
  const checksum = createHash("sha256").update(migration.script).digest("hex");
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
    [id, checksum, migration.name],
  );
  try {
    await client.query(migration.script);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await client.query(`UPDATE "_prisma_migrations" SET logs = $1 WHERE id = $2`, [message, id]);
    throw new MigrationError(`Migration "${migration.name}" failed: ${message}`, { cause: error });
  }
  await client.query(`UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [id]);
}
