import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import type { PrismaClient } from "@prisma/client";
import type { PrismaClient as GeneratedPostgresClient } from "../../node_modules/.prisma/postgres-client/index.js";
import type { PostgresDb } from "./client.ts";
import { unlessUnavailable } from "./database-unavailable.ts";
import { PostgresPool, poolSettings } from "./postgres-pool.ts";

export { CONNECT_TIMEOUT_MS } from "./postgres-pool.ts";

/**
 * How long the server lets one of our sessions sit idle inside an open transaction before ending it. A process that
 * froze or lost its network mid-reservation would otherwise hold its member's advisory lock (and every other
 * process's reservation for that member) until TCP noticed, which takes hours by default.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

/**
 * The client generated from prisma/postgres/schema.prisma (`npm install` generates it into node_modules beside
 * the SQLite one). Loaded on first use, with require (it is CommonJS outside any package's exports): a SQLite
 * bot never loads it.
 */
function postgresPrismaClient(): typeof GeneratedPostgresClient {
  const generated = createRequire(import.meta.url)("../../node_modules/.prisma/postgres-client/index.js") as {
    PrismaClient: typeof GeneratedPostgresClient;
  };
  return generated.PrismaClient;
}

/**
 * Opens a pool on the PostgreSQL database at `url` (`postgresql://user:password@host:5432/name`, optionally
 * `?connection_limit=…&pool_timeout=…`, see poolSettings) and a Prisma client over it through @prisma/adapter-pg
 * (no native query engine). Connects on first use.
 */
export function createPostgresDb(url: string): PostgresDb {
  const pool = new PostgresPool(poolSettings(url), {
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    // Notices a server that vanished without closing the connection (a cut network) instead of waiting forever.
    keepAlive: true,
  });
  // An idle connection the server closed (restart, pg_terminate_backend) is reported here and dropped by the
  // pool; the next query opens a new one. Without a listener, Node would end the process.
  pool.on("error", () => {});
  // Every Prisma call turns a lost or unreachable server into DatabaseUnavailableError (a busy pool into
  // DatabaseBusyError), as the hot path does.
  const client = new (postgresPrismaClient())({ adapter: new PrismaPg(pool) }).$extends({
    query: { $allOperations: ({ args, query }) => unlessUnavailable(() => query(args)) },
  });
  return {
    engine: "postgres",
    // Same models as the SQLite schema (test/db/schema-parity.test.ts): one type for both clients.
    prisma: client as unknown as PrismaClient,
    pool,
    async close() {
      try {
        await client.$disconnect();
      } finally {
        await pool.end();
      }
    },
  };
}
