import { test } from "node:test";
import assert from "node:assert/strict";
import { InstalledModels, modelLabel, parseModelLabel } from "../../src/models/installed-models.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

test("a model is recorded as name@commit when pinned to a commit, and read back", () => {
  assert.equal(modelLabel({ name: "sd15", commit: COMMIT }), `sd15@${COMMIT}`);
  assert.equal(modelLabel({ name: "mine" }), "mine");
  assert.deepEqual(parseModelLabel(`sd15@${COMMIT}`), { name: "sd15", commit: COMMIT });
  assert.deepEqual(parseModelLabel("owner@thing"), { name: "owner@thing" });
});

test("a result recorded with the startup folder's own name (before catalog names) still finds the startup model", async () => {
  const models = new InstalledModels({ startup: { name: "sd15", dir: "/models/sd15" }, startupAliases: ["stable-diffusion-v1-5"] });
  const found = await models.findRecorded("stable-diffusion-v1-5");
  assert.ok(found.ok && found.model.name === "sd15");
  const gone = await models.findRecorded("something-else");
  assert.ok(!gone.ok && /"something-else", which is no longer installed/.test(gone.message));
});

test("the same name at another commit is gone: its images cannot be reproduced", async () => {
  const models = new InstalledModels({ startup: { name: "sd15", dir: "/models/sd15", commit: COMMIT } });
  const other = "f".repeat(40);
  const found = await models.findRecorded(`sd15@${other}`);
  assert.ok(!found.ok && /at commit ffffffffffff, which is no longer installed \(the name now holds 0123456789ab\)/.test(found.message));
});
