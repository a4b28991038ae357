import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { PoolClient } from "pg";
import type { PostgresDb } from "../../src/db/client.ts";
import { findById } from "../../src/db/generations.ts";
import type { GenerationRecord } from "../../src/db/types.ts";
import { createLogger } from "../../src/logger.ts";
import { GenerationService, type InferenceBackend } from "../../src/services/generation-service.ts";
import { InputStore } from "../../src/services/input-store.ts";
import type { DeliveredResult, JobPresenter } from "../../src/services/job-presenter.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { freshDb, oneConnectionClient, request, rules, type FreshDb } from "../db/fresh-db.ts";
import { postgresReachable, postgresWhere } from "../db/postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;

describe("a result whose notes the database does not take (every pooled connection busy)", { skip }, () => {
  let fresh: FreshDb;
  let db: PostgresDb;
  let dir: string;
  before(async () => {
    fresh = await freshDb("postgres");
    // One connection, waited for a second: the model's run takes it, so that keeping the notes finds the pool busy.
    db = oneConnectionClient(fresh);
    dir = mkdtempSync(join(tmpdir(), "reroll-keep-warnings-"));
  });
  after(async () => {
    await db?.close();
    await fresh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("is posted all the same, with its notes, and recorded done", async () => {
    let held: PoolClient | undefined;
    const release = () => {
      held?.release();
      held = undefined;
    };
    // The run ends holding the pool's only connection; the post (after the notes' write) gives it back.
    const model: InferenceBackend = {
      generate: async () => {
        held = await db.pool.connect();
        const png = Buffer.from("png");
        return { png, seed: 1n, images: [{ png, seed: 1n }], warnings: ["Your prompt was cut at 77 tokens."], timings: { msPerStep: 1 } } as never;
      },
    };
    const posted: DeliveredResult[] = [];
    const presenter: JobPresenter = {
      showQueued: () => undefined,
      showProgress: () => undefined,
      deliverResult: async (job: GenerationRecord, result: DeliveredResult) => {
        release();
        posted.push(result);
        return `result-${job.id}`;
      },
      resultRecorded: async () => undefined,
      showFailed: async () => undefined,
      showCancelled: async () => undefined,
    };
    const service = new GenerationService({
      db,
      inference: model,
      inputs: new InputStore(join(dir, "inputs")),
      results: new ResultStore(join(dir, "results")),
      logger: createLogger("silent"),
      modelName: "test",
    });
    service.setPresenter(presenter);
    try {
      const submitted = await service.submit(request({ userId: "notes" }), rules());
      assert.ok(submitted.ok);
      await service.onIdle();
      assert.deepEqual(
        posted.map((result) => result.warnings),
        [["Your prompt was cut at 77 tokens."]],
        "posted once, with its notes",
      );
      release();
      const record = await findById(db, submitted.generation.id);
      assert.equal(record?.status, "done");
      assert.equal(record.resultMessageId, `result-${submitted.generation.id}`);
    } finally {
      release();
      await service.stop();
    }
  });
});
