import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@prisma/client";
import Database from "better-sqlite3";
import type { SqliteDb } from "./client.ts";
import { databaseFilePath, ensureDatabaseFolder } from "./database-url.ts";

/** How long a statement waits for another connection's lock before SQLite reports the database busy. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the SQLite database at `url` through Prisma's better-sqlite3 driver adapter (no native query engine),
 * plus one plain better-sqlite3 connection for the hot path. Creates the folder if needed, switches the file to
 * WAL (readers never block the writer) and sets a busy timeout so a briefly locked database is waited for
 * instead of failing.
 *
 * @param url `file:` URL or path. Not `:memory:`: the two connections must share one database.
 */
export function createSqliteDb(url: string): SqliteDb {
  const path = databaseFilePath(url);
  if (path === ":memory:") {
    throw new Error(`Expected a database file, got "${url}": each connection to :memory: would open its own empty database`);
  }
  ensureDatabaseFolder(path);
  const sqlite = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  // journal_mode is stored in the file, so setting it once here covers the adapter's connection too.
  sqlite.pragma("journal_mode = WAL");
  // Then no busy timeout: SQLite's busy handler sleeps on the main thread, where the lock's holder (a Prisma
  // transaction in this process) would never get to commit. runImmediate waits between tries instead.
  sqlite.pragma("busy_timeout = 0");
  // better-sqlite3's `timeout` option is SQLite's busy_timeout.
  const adapter = new PrismaBetterSQLite3({ url: path, timeout: BUSY_TIMEOUT_MS });
  const prisma = new PrismaClient({ adapter });
  return {
    engine: "sqlite",
    prisma,
    sqlite,
    async close() {
      try {
        await prisma.$disconnect();
      } finally {
        sqlite.close();
      }
    },
  };
}
