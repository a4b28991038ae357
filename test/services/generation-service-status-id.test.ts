import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { PostgresDb } from "../../src/db/client.ts";
import { findById, setStatusMessage } from "../../src/db/generations.ts";
import { GenerationCancelledError } from "../../src/inference/index.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, type InferenceBackend } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, oneConnectionClient, request, rules, type FreshDb } from "../db/fresh-db.ts";
import { postgresReachable, postgresWhere } from "../db/postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;

/** A model that runs until it is cancelled; `started` settles once it runs (its job marked running). */
function endless(): { backend: InferenceBackend; started: Promise<void> } {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const backend: InferenceBackend = {
    generate: (_request, { signal }) =>
      new Promise((_, reject) => {
        markStarted();
        if (signal?.aborted) reject(new GenerationCancelledError());
        signal?.addEventListener("abort", () => reject(new GenerationCancelledError()), { once: true });
      }),
  };
  return { backend, started };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("GenerationService: the status message's id not stored at once (every pooled connection busy)", { skip }, () => {
  let fresh: FreshDb;
  let db: PostgresDb;
  let dir: string;
  let service: GenerationService | undefined;
  before(async () => {
    fresh = await freshDb("postgres");
    // One connection, and a wait of a second for it: the test holds it to make the id's write fail, once.
    db = oneConnectionClient(fresh);
    dir = mkdtempSync(join(tmpdir(), "reroll-status-id-"));
  });
  after(async () => {
    await service?.stop();
    await db?.close();
    await fresh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the job goes on, charged; ❌ finds it by its message; the id is stored later; cancelling works", { timeout: 60_000 }, async () => {
    const model = endless();
    service = new GenerationService({
      db,
      inference: model.backend,
      inputs: new InputStore(join(dir, "inputs")),
      results: new ResultStore(join(dir, "results")),
      logger: createLogger("silent"),
      modelName: "test",
    });
    let writeFailed: unknown;
    const submitted = await service.submit(request({ guildId: "guild-a", userId: "alice" }), rules({ dailyLimit: 5 }), async (generation) => {
      // "Queued as …" is posted as message status-1; its id's write then finds the pool's only connection taken.
      const held = await db.pool.connect();
      try {
        return (await setStatusMessage(db, generation.id, "status-1")) ?? generation;
      } catch (error) {
        writeFailed = error;
        throw error;
      } finally {
        held.release();
      }
    });
    assert.ok(writeFailed, "the write of the id failed");
    assert.ok(submitted.ok, "the job was not failed for it");
    const id = submitted.generation.id;
    assert.equal(submitted.generation.statusMessageId, "status-1");
    const stored = await findById(db, id);
    assert.ok(stored && (stored.status === "queued" || stored.status === "running"), `still unfinished, not ${stored?.status}`);
    assert.equal(stored.charged, true, "not refunded");

    // ❌ on the status message finds its job by the message's id, known here though not stored yet: also once the
    // job runs (its record re-read from the database on the way).
    await model.started;
    const found = await service.findActiveByStatusMessage({ id: "status-1", guildId: "guild-a", createdAt: new Date() });
    assert.equal(found?.id, id);

    // Stored in the background, for the other processes and a restart.
    while ((await findById(db, id))?.statusMessageId !== "status-1") await tick();

    assert.notEqual(await service.cancel(id, { userId: "alice", guildId: "guild-a", managesGuild: async () => false }), "not-found");
    while ((await findById(db, id))?.status !== "cancelled") await tick();
  });
});
