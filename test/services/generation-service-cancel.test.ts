import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { findById, setStatusMessage } from "../../src/db/generations.ts";
import { GenerationCancelledError } from "../../src/inference/index.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, type Canceller, type InferenceBackend } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, reserved, type FreshDb } from "../db/fresh-db.ts";

/** A model that runs until it is cancelled (also when cancelled before it was called). */
const endless: InferenceBackend = {
  generate: (_request, { signal }) =>
    new Promise((_, reject) => {
      if (signal?.aborted) reject(new GenerationCancelledError());
      signal?.addEventListener("abort", () => reject(new GenerationCancelledError()), { once: true });
    }),
};

const by = (userId: string, guildId: string, manager = false): Canceller => ({ userId, guildId, managesGuild: async () => manager });

describe("GenerationService: who cancels, and ❌ while the bot starts", () => {
  let fresh: FreshDb;
  let dir: string;
  let service: GenerationService;
  before(async () => {
    fresh = await freshDb();
    dir = mkdtempSync(join(tmpdir(), "reroll-service-"));
  });
  after(async () => {
    service?.stop();
    await fresh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a ❌ that arrives while resume() runs finds the restored job; cancels respect the job's own server", async () => {
    const job = await reserved(fresh.db, { guildId: "guild-a", userId: "alice", interactionId: "i-1" });
    await setStatusMessage(fresh.db, job.id, "status-1");
    service = new GenerationService({
      db: fresh.db,
      inference: endless,
      inputs: new InputStore(join(dir, "inputs")),
      results: new ResultStore(join(dir, "results")),
      logger: createLogger("silent"),
      modelName: "test",
    });
    const resuming = service.resume();
    const found = await service.findActiveByStatusMessage({ id: "status-1", guildId: "guild-a", createdAt: new Date() });
    assert.equal(found?.id, job.id, "found, though resume() had not finished when the ❌ came");
    await resuming;

    // A manager of another server is refused whatever the id; /cancel without a number stays in its server.
    assert.equal(await service.cancel(job.id, by("bob", "guild-b", true)), "not-yours");
    assert.equal(service.latestJobOf("alice", "guild-b"), undefined);
    assert.equal(service.latestJobOf("alice", "guild-a")?.id, job.id);
    assert.equal(await service.cancel(job.id, by("carol", "guild-a", false)), "not-yours");
    assert.notEqual(await service.cancel(job.id, by("bob", "guild-a", true)), "not-yours", "a manager of its own server may");
    // The run stops between steps: wait for the database to say so.
    while ((await findById(fresh.db, job.id))?.status !== "cancelled") await new Promise((resolve) => setImmediate(resolve));
  });
});
