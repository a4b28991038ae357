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
  /** Disconnects; the file stays. */
  close(): Promise<void>;
}

/**
 * Opens the SQLite database at `url` through Prisma's better-sqlite3 driver adapter (no native query engine).
 * Creates the folder if needed, switches the file to WAL (readers never block the writer) and sets a busy
 * timeout so a briefly locked database is waited for instead of failing. Does not migrate: see
 * {@link migrateDatabase}.
 *
 * @param url `file:` URL or path; relative paths are resolved against the project root.
 * @default url "file:./data/reroll.db"
 */
export function createDb(url: string = DEFAULT_DATABASE_URL): Db {
  const path = databaseFilePath(url);
  ensureDatabaseFolder(path);
  if (path !== ":memory:") {
    // journal_mode is stored in the file, so setting it once here covers the adapter's connection too.
    const raw = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      raw.pragma("journal_mode = WAL");
    } finally {
      raw.close();
    }
  }
  // better-sqlite3's `timeout` option is SQLite's busy_timeout.
  const adapter = new PrismaBetterSQLite3({ url: path, timeout: BUSY_TIMEOUT_MS });
  const prisma = new PrismaClient({ adapter });
  return { prisma, close: () => prisma.$disconnect() };
}
