import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@prisma/client";
import Database from "better-sqlite3";
import { DEFAULT_DATABASE_URL, databaseFilePath, ensureDatabaseFolder } from "./database-url.ts";

/** How long a statement waits for another connection's lock before SQLite reports the database busy. */
export const BUSY_TIMEOUT_MS = 10_000;

/** An open database: hand it to the repository functions in `src/db`, and `close()` it on shutdown. */
export interface Db {
  /** For the repositories in `src/db` only; the rest of the app calls them instead. */
  readonly prisma: PrismaClient;
  /**
   * A second connection to the same file, for the hot path only (reservations and quota checks run as one
   * synchronous transaction: no Prisma round trips). For the repositories in `src/db` only. Its busy timeout
   * is 0: `runImmediate` waits for a lock asynchronously, so the event loop (and a Prisma transaction
   * holding the lock) can go on meanwhile.
   */
  readonly sqlite: Database.Database;
  /** Closes both connections; the file stays. */
  close(): Promise<void>;
}

/**
 * Opens the SQLite database at `url` through Prisma's better-sqlite3 driver adapter (no native query engine),
 * plus one plain better-sqlite3 connection for the hot path. Creates the folder if needed, switches the file to
 * WAL (readers never block the writer) and sets a busy timeout so a briefly locked database is waited for
 * instead of failing. Does not migrate: see {@link migrateDatabase}.
 *
 * @param url `file:` URL or path; relative paths are resolved against the project root. Not `:memory:`: the
 *   two connections must share one database.
 * @default url "file:./data/reroll.db"
 */
export function createDb(url: string = DEFAULT_DATABASE_URL): Db {
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
