import assert from "node:assert/strict";
import { test } from "node:test";
import { fleetPositions } from "../../src/fleet/fleet-positions.ts";

test("fleet ETAs: each waiting job goes to the worker that frees up first", () => {
  const positions = fleetPositions(
    [{ id: "r1", units: 10, startedAt: 1_000 }],
    [
      { id: "w1", units: 10 },
      { id: "w2", units: 10 },
      { id: "w3", units: 5 },
    ],
    { workers: 2, msPerUnit: 100, now: 1_400 },
  );
  // r1 has 600 ms left; the idle worker takes w1 now, r1's worker takes w2 at 600, w3 waits for w1 (1000 ms).
  assert.deepEqual(Object.fromEntries(positions), {
    r1: { position: 0, etaMs: 600 },
    w1: { position: 1, etaMs: 0 },
    w2: { position: 2, etaMs: 600 },
    w3: { position: 3, etaMs: 1_000 },
  });
});

test("fleet ETAs: no worker registered yet counts as one", () => {
  const positions = fleetPositions([], [{ id: "a", units: 2 }, { id: "b", units: 2 }], { workers: 0, msPerUnit: 50, now: 0 });
  assert.equal(positions.get("b")?.etaMs, 100);
});
