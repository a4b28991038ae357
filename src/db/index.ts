// The persistence layer: open and migrate the database, then call these intent-named functions.
// DATABASE_URL picks the engine: a SQLite file (default, one machine) or `postgresql://` (several machines).
export { BUSY_TIMEOUT_MS, createDb, type Db, type PostgresDb, type SqliteDb } from "./client.ts";
export { DatabaseBusyError, DatabaseUnavailableError, isConnectionFailure } from "./database-unavailable.ts";
export { DEFAULT_DATABASE_URL, databaseEngine, databaseFilePath, type DatabaseEngine } from "./database-url.ts";
export {
  MIGRATIONS_DIR,
  MigrationError,
  POSTGRES_MIGRATIONS_DIR,
  migrateDatabase,
  type MigrateOptions,
  type MigrationReport,
} from "./migrate.ts";
export { isValidTimeZone, quotaDay, quotaDayEnd } from "./quota-day.ts";
export * from "./generations.ts";
export * from "./settings.ts";
export * from "./types.ts";
export * from "./grid-picks.ts";
