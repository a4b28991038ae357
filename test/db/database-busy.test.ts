import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { createDb, type PostgresDb } from "../../src/db/client.ts";
import { DatabaseBusyError, DatabaseUnavailableError } from "../../src/db/database-unavailable.ts";
import { findById, reserveGeneration } from "../../src/db/generations.ts";
import { CONNECT_TIMEOUT_MS, DEFAULT_POOL_SIZE, DEFAULT_POOL_WAIT_MS, poolSettings } from "../../src/db/postgres-pool.ts";
import { getGuildSettings } from "../../src/db/settings.ts";
import { freshDb, oneConnectionClient, request, rules, type FreshDb } from "./fresh-db.ts";
import { postgresReachable, postgresWhere } from "./postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;
const BUSY_MESSAGE = "The bot is very busy right now; try again in a moment — nothing was charged.";

const UNREACHABLE_MESSAGE = "The bot's database is unreachable right now; nothing was charged. Please try again in a minute.";

const unreachable = (error: unknown) => {
  assert.ok(error instanceof DatabaseUnavailableError && !(error instanceof DatabaseBusyError), `expected DatabaseUnavailableError, got ${String(error)}`);
  assert.equal(error.message, UNREACHABLE_MESSAGE);
  return true;
};

const busy = (error: unknown) => {
  assert.ok(error instanceof DatabaseBusyError, `expected DatabaseBusyError, got ${String(error)}`);
  assert.equal(error.message, BUSY_MESSAGE);
  // Every caller that answers an outage with "try again" answers this too.
  assert.ok(error instanceof DatabaseUnavailableError);
  return true;
};

describe("pool settings in DATABASE_URL", () => {
  test("connection_limit and pool_timeout (Prisma's names) size the pool and its wait, and are not passed on", () => {
    const settings = poolSettings("postgresql://u:p%40ss@db:5432/reroll?connection_limit=25&pool_timeout=30&sslmode=require");
    assert.equal(settings.max, 25);
    assert.equal(settings.waitMs, 30_000);
    assert.equal(settings.connectionString, "postgresql://u:p%40ss@db:5432/reroll?sslmode=require");
  });

  test("without them: the defaults, and the URL as written", () => {
    const url = "postgresql://postgres@127.0.0.1:5432/reroll";
    assert.deepEqual(poolSettings(url), { connectionString: url, max: DEFAULT_POOL_SIZE, waitMs: DEFAULT_POOL_WAIT_MS });
  });

  test("a value that is not a whole number in range is refused at start, naming the parameter", () => {
    assert.throws(() => poolSettings("postgresql://db/reroll?connection_limit=0"), /connection_limit/);
    assert.throws(() => poolSettings("postgresql://db/reroll?pool_timeout=1.5"), /pool_timeout/);
  });
});

describe("every pooled connection busy", { skip }, () => {
  let fresh: FreshDb;
  let db: PostgresDb;
  before(async () => {
    fresh = await freshDb("postgres");
    // One connection, held by the test: any other call waits its second in the queue, then gives up.
    db = oneConnectionClient(fresh);
  });
  after(async () => {
    await db?.close();
    await fresh.cleanup();
  });

  test("a reservation, a Prisma read and a raw query say 'very busy', not 'unreachable'; nothing is written", async () => {
    const held = await db.pool.connect();
    try {
      await assert.rejects(reserveGeneration(db, request({ userId: "busy" }), rules({ dailyLimit: 5 })), busy);
      await assert.rejects(getGuildSettings(db, "g"), busy);
      await assert.rejects(findById(db, 1), busy);
      await assert.rejects(db.pool.query("SELECT 1"), busy);
    } finally {
      held.release();
    }
    assert.equal(await fresh.db.prisma.generation.count({ where: { userId: "busy" } }), 0, "nothing half-written");
    const again = await reserveGeneration(db, request({ userId: "busy" }), rules({ dailyLimit: 5 }));
    assert.ok(again.ok, "served once the connection is free");
  });
});

describe("a server that accepts connections and never answers", () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => void sockets.add(socket));
  before(() => new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve)));
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test("is unreachable, also for a call that waited in the queue behind a connection still opening", async () => {
    const address = silent.address();
    if (address === null || typeof address === "string") assert.fail("expected a TCP address");
    // A wait longer than CONNECT_TIMEOUT_MS, so that the connection's own limit is the one that ends the first call.
    const waitS = CONNECT_TIMEOUT_MS / 1000 + 1;
    const db = createDb(`postgresql://postgres@127.0.0.1:${address.port}/reroll?connection_limit=1&pool_timeout=${waitS}`);
    try {
      // The first opens the pool's only connection (given up after CONNECT_TIMEOUT_MS); the second waits behind it.
      const first = getGuildSettings(db, "g");
      const second = findById(db, 1);
      await Promise.all([assert.rejects(first, unreachable), assert.rejects(second, unreachable)]);
    } finally {
      await db.close();
    }
  });
});
