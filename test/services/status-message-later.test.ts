import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PostgresDb } from "../../src/db/client.ts";
import { findById } from "../../src/db/generations.ts";
import { createLogger } from "../../src/logger.ts";
import { storeStatusMessageLater } from "../../src/services/status-message-later.ts";
import { freshDb, oneConnectionClient, reserved, type FreshDb } from "../db/fresh-db.ts";
import { postgresReachable, postgresWhere } from "../db/postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;
const logger = createLogger("silent");
/** No pause between tries: what is tested is how many there are and when they stop. */
const NOW = [0, 0, 0];

describe("storing a status message's id later (every pooled connection busy)", { skip }, () => {
  let fresh: FreshDb;
  let db: PostgresDb;
  before(async () => {
    fresh = await freshDb("postgres");
    // One connection, waited for a second: the test holds it to make a write fail.
    db = oneConnectionClient(fresh);
  });
  after(async () => {
    await db?.close();
    await fresh.cleanup();
  });

  test("a try that finds the pool busy is followed by another, which stores the id", async () => {
    const job = await reserved(db, { userId: "later" });
    const held = await db.pool.connect();
    let released = false;
    const release = () => void (released || ((released = true), held.release()));
    let tries = 0;
    // Asked before each try: the connection is given back before the second.
    const stopped = () => {
      if (++tries === 2) release();
      return false;
    };
    try {
      assert.equal(await storeStatusMessageLater({ db, logger, stopped }, job.id, "status-later", NOW), true);
    } finally {
      release();
    }
    assert.equal(tries, 2, "the first try failed");
    assert.equal((await findById(db, job.id))?.statusMessageId, "status-later");
  });

  test("bounded: while the pool stays busy it gives up after its last try; a stopped service does not try", async () => {
    const job = await reserved(db, { userId: "never" });
    const held = await db.pool.connect();
    let tries = 0;
    try {
      assert.equal(await storeStatusMessageLater({ db, logger, stopped: () => (tries++, false) }, job.id, "status-never", NOW), false);
    } finally {
      held.release();
    }
    assert.equal(tries, NOW.length);
    assert.equal(await storeStatusMessageLater({ db, logger, stopped: () => true }, job.id, "status-never", NOW), false);
    assert.equal((await findById(db, job.id))?.statusMessageId, null);
  });
});
