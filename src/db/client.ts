import type pg from "pg";
import type { PrismaClient } from "@prisma/client";
import type Database from "better-sqlite3";
import { DEFAULT_DATABASE_URL, databaseEngine } from "./database-url.ts";
import { createPostgresDb } from "./postgres-client.ts";
import { createSqliteDb } from "./sqlite-client.ts";

export { BUSY_TIMEOUT_MS } from "./sqlite-client.ts";

interface DbConnection {
  /**
   * For the repositories in `src/db` only; the rest of the app calls them instead. Typed as the SQLite schema's
   * client on both engines: the PostgreSQL schema has the same models, field for field
   * (test/db/schema-parity.test.ts), so the two clients answer the same calls with the same shapes.
   */
  readonly prisma: PrismaClient;
  /** Closes every connection (a SQLite file stays). */
  close(): Promise<void>;
}

/** One machine: a SQLite file. */
export interface SqliteDb extends DbConnection {
  readonly engine: "sqlite";
  /**
   * A second connection to the same file, for the hot path only (reservations and quota checks run as one
   * synchronous transaction: no Prisma round trips). For the repositories in `src/db` only. Its busy timeout
   * is 0: `runImmediate` waits for a lock asynchronously, so the event loop (and a Prisma transaction
   * holding the lock) can go on meanwhile.
   */
  readonly sqlite: Database.Database;
}

/** Several machines: a PostgreSQL database shared by every bot and worker process. */
export interface PostgresDb extends DbConnection {
  readonly engine: "postgres";
  /**
   * The connection pool Prisma's pg adapter also uses; the hot path runs its reservation transaction on it
   * directly. For code in `src/db` only.
   */
  readonly pool: pg.Pool;
}

/** An open database: hand it to the repository functions in `src/db`, and `close()` it on shutdown. */
export type Db = SqliteDb | PostgresDb;

/**
 * Opens the database DATABASE_URL names: a `postgresql://` URL selects PostgreSQL (several machines, see
 * docs/deploy.md), anything else a SQLite file (the default: one machine, nothing to install). Does not migrate:
 * see {@link migrateDatabase}. Connects lazily: an unreachable PostgreSQL shows up as a DatabaseUnavailableError
 * from the first repository call.
 *
 * @param url `file:` URL or path (relative paths are resolved against the project root), or `postgresql://…`.
 * @default url "file:./data/reroll.db"
 */
export function createDb(url: string = DEFAULT_DATABASE_URL): Db {
  return databaseEngine(url) === "postgres" ? createPostgresDb(url) : createSqliteDb(url);
}
