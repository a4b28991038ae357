import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PostgresDb } from "../../src/db/client.ts";
import { findById } from "../../src/db/generations.ts";
import { ActiveJobs } from "../../src/services/active-jobs.ts";
import { freshDb, oneConnectionClient, reserved, type FreshDb } from "../db/fresh-db.ts";
import { postgresReachable, postgresWhere } from "../db/postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;

describe("❌ on a status message whose id was never stored, every pooled connection busy", { skip }, () => {
  let fresh: FreshDb;
  let db: PostgresDb;
  before(async () => {
    fresh = await freshDb("postgres");
    // One connection, waited for a second: the test holds it so that storing the link finds the pool busy.
    db = oneConnectionClient(fresh);
  });
  after(async () => {
    await db?.close();
    await fresh.cleanup();
  });

  test("the job is found and linked in memory, though the link could not be stored", async () => {
    const job = await reserved(db, { userId: "busy", interactionId: "interaction-busy" });
    const active = new ActiveJobs(db);
    active.set(job);
    const held = await db.pool.connect();
    let found;
    try {
      found = await active.byStatusMessage({ id: "status-busy", guildId: job.guildId, interactionId: "interaction-busy", createdAt: new Date() });
    } finally {
      held.release();
    }
    assert.equal(found?.id, job.id, "the ❌'s job");
    assert.equal(found.statusMessageId, "status-busy");
    assert.equal(active.get(job.id)?.statusMessageId, "status-busy", "its next status edits and ❌ use this message");
    assert.equal((await findById(db, job.id))?.statusMessageId, null, "the write did fail");
  });
});
