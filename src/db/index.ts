// The persistence layer: open and migrate the database, then call these intent-named functions.
export { BUSY_TIMEOUT_MS, createDb, type Db } from "./client.ts";
export { DEFAULT_DATABASE_URL, databaseFilePath } from "./database-url.ts";
export { MIGRATIONS_DIR, MigrationError, migrateDatabase, type MigrateOptions, type MigrationReport } from "./migrate.ts";
export { isValidTimeZone, quotaDay, quotaDayEnd } from "./quota-day.ts";
export * from "./generations.ts";
export * from "./settings.ts";
export * from "./types.ts";
