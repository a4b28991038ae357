import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readRegistry, registerModel } from "../../src/models/model-registry.ts";

test("models registered at the same time are all kept (the registry's read-modify-write is locked)", async () => {
  const modelsDir = await mkdtemp(join(tmpdir(), "reroll-registry-"));
  try {
    const names = Array.from({ length: 12 }, (_, i) => `model-${i}`);
    await Promise.all(names.map((name) => registerModel(modelsDir, name, { source: "local", path: `/models/${name}`, addedAt: "2026-01-01T00:00:00.000Z" })));
    assert.deepEqual(Object.keys(await readRegistry(modelsDir)).sort(), names.sort());
  } finally {
    await rm(modelsDir, { recursive: true, force: true });
  }
});
