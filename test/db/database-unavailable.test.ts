import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createDb, type PostgresDb } from "../../src/db/client.ts";
import { DatabaseUnavailableError } from "../../src/db/database-unavailable.ts";
import { findById, reserveGeneration } from "../../src/db/generations.ts";
import { IDLE_IN_TRANSACTION_TIMEOUT_MS } from "../../src/db/postgres-client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { getGuildSettings, updateGuildSettings } from "../../src/db/settings.ts";
import { freshDb, request, rules, type FreshDb } from "./fresh-db.ts";
import { postgresReachable, postgresWhere } from "./postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;
const USER_MESSAGE = "The bot's database is unreachable right now; nothing was charged. Please try again in a minute.";

/** A local port nothing listens on: opened, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  return address.port;
}

const unavailable = (error: unknown) => {
  assert.ok(error instanceof DatabaseUnavailableError, `expected DatabaseUnavailableError, got ${String(error)}`);
  assert.equal(error.message, USER_MESSAGE);
  return true;
};

describe("PostgreSQL not listening", () => {
  let url: string;
  before(async () => {
    url = `postgresql://postgres@127.0.0.1:${await closedPort()}/reroll`;
  });

  test("a reservation, a Prisma read and a write each fail with a clear try-again error", async () => {
    const db = createDb(url);
    try {
      await assert.rejects(reserveGeneration(db, request(), rules({ dailyLimit: 5 })), unavailable);
      await assert.rejects(getGuildSettings(db, "g"), unavailable);
      await assert.rejects(updateGuildSettings(db, "g", { maxSteps: 20 }, "admin"), unavailable);
      await assert.rejects(findById(db, 1), unavailable);
    } finally {
      await db.close();
    }
  });

  test("migrating at start-up says the database is unreachable", async () => {
    await assert.rejects(migrateDatabase(url), unavailable);
  });
});

describe("PostgreSQL connection cut during a reservation", { skip }, () => {
  let fresh: FreshDb & { db: PostgresDb };
  let admin: pg.Client;
  before(async () => {
    const opened = await freshDb("postgres");
    if (opened.db.engine !== "postgres") assert.fail("expected a PostgreSQL Db");
    fresh = { ...opened, db: opened.db };
    admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await fresh.cleanup();
  });

  /** Waits until a backend of this database (not ours) is waiting for a lock; returns its pid. */
  async function backendWaitingForLock(): Promise<number> {
    for (;;) {
      // Inside a transaction, pg_stat_activity is read once and kept: drop that copy to see the present.
      await admin.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
      );
      const pid = rows[0]?.pid;
      if (pid !== undefined) return pid;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  test("terminated after its checks, before its insert: a try-again error, nothing written, the next one works", async () => {
    const userId = "cut";
    // Let the reservation take its lock and read the member's state, then stop it at the INSERT.
    await admin.query("BEGIN");
    await admin.query(`LOCK TABLE "Generation" IN SHARE MODE`);
    const reservation = reserveGeneration(fresh.db, request({ userId }), rules({ dailyLimit: 5 }));
    // Checked from now on: it may fail before the terminating query itself answers.
    const refused = assert.rejects(reservation, unavailable);
    const pid = await backendWaitingForLock();
    const { rows } = await admin.query<{ query: string }>(`SELECT query FROM pg_stat_activity WHERE pid = $1`, [pid]);
    assert.match(rows[0]?.query ?? "", /^INSERT INTO "Generation"/, "stopped at the insert, after every check");
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await refused;
    await admin.query("ROLLBACK");

    assert.equal(await fresh.db.prisma.generation.count({ where: { userId } }), 0, "nothing half-written");
    const again = await reserveGeneration(fresh.db, request({ userId }), rules({ dailyLimit: 5 }));
    assert.ok(again.ok, "the pool replaced the lost connection");
  });

  test("terminated while committing, its row already inserted: a try-again error and the row rolled back", async () => {
    const userId = "cut-at-commit";
    // A trigger run at COMMIT (deferred) that waits for a lock the test holds: the reservation's INSERT is done
    // and its COMMIT pending when the connection is cut. Only in this test's own database.
    await admin.query(`CREATE FUNCTION wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$`);
    await admin.query(`CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON "Generation" DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW."userId" = 'cut-at-commit') EXECUTE FUNCTION wait_at_commit()`);
    try {
      await admin.query("SELECT pg_advisory_lock(4242)");
      const refused = assert.rejects(reserveGeneration(fresh.db, request({ userId }), rules({ dailyLimit: 5 })), unavailable);
      const pid = await backendWaitingForLock();
      const { rows } = await admin.query<{ query: string }>(`SELECT query FROM pg_stat_activity WHERE pid = $1`, [pid]);
      assert.equal(rows[0]?.query, "COMMIT", "stopped in its COMMIT, after the insert");
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await refused;
      await admin.query("SELECT pg_advisory_unlock(4242)");
      assert.equal(await fresh.db.prisma.generation.count({ where: { userId } }), 0, "the inserted row was rolled back");
    } finally {
      await admin.query(`DROP TRIGGER wait_at_commit ON "Generation"`);
      await admin.query("SELECT pg_advisory_unlock_all()");
    }
  });

  test("the server ends our sessions left idle in a transaction, so a frozen process cannot hold a member's lock", async () => {
    const { rows } = await fresh.db.pool.query<{ idle_in_transaction_session_timeout: string }>("SHOW idle_in_transaction_session_timeout");
    assert.equal(rows[0]?.idle_in_transaction_session_timeout, `${IDLE_IN_TRANSACTION_TIMEOUT_MS / 1000}s`);
  });

  test("a Prisma call whose connection was terminated says so too", async () => {
    // Every pooled connection, idle ones included, is cut; the next calls open new ones.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    await admin.query("BEGIN");
    await admin.query(`LOCK TABLE "GuildSettings" IN ACCESS EXCLUSIVE MODE`);
    const refused = assert.rejects(getGuildSettings(fresh.db, "g"), unavailable);
    const pid = await backendWaitingForLock();
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await refused;
    await admin.query("ROLLBACK");
    assert.equal((await getGuildSettings(fresh.db, "g")).guildId, "g");
  });
});
