import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { keepWarnings, storedWarnings } from "../../src/db/stored-results.ts";
import { freshDb, reserved, testEngines, type FreshDb } from "./fresh-db.ts";

for (const { engine, skip } of await testEngines()) {
  describe(`a stored result's warnings (${engine})`, { skip }, () => {
    let fresh: FreshDb;
    before(async () => {
      fresh = await freshDb(engine);
    });
    after(() => fresh.cleanup());

    test("are read back as they were kept, and none when none were kept", async () => {
      const kept = await reserved(fresh.db, {});
      await keepWarnings(fresh.db, kept.id, ["The prompt is longer than CLIP's 77 tokens; the last 3 were ignored."]);
      assert.deepEqual(await storedWarnings(fresh.db, kept.id), ["The prompt is longer than CLIP's 77 tokens; the last 3 were ignored."]);
      const none = await reserved(fresh.db, {});
      assert.deepEqual(await storedWarnings(fresh.db, none.id), []);
    });

    test("a column that is not a JSON array of strings gives no warnings instead of stopping the post", async () => {
      const generation = await reserved(fresh.db, {});
      for (const text of ["not json", '{"a":1}', '["ok", 3]']) {
        await fresh.db.prisma.generation.update({ where: { id: generation.id }, data: { warnings: text } });
        assert.deepEqual(await storedWarnings(fresh.db, generation.id), text === '["ok", 3]' ? ["ok"] : []);
      }
    });
  });
}
