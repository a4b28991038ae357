import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RoundRobin } from "../../src/jobs/round-robin.ts";

/** Pushes items named like "A1": the letter is the user. */
function rr(...items: string[]): RoundRobin<string> {
  const queue = new RoundRobin<string>();
  for (const item of items) queue.push(item.charAt(0), item);
  return queue;
}

function drain(queue: RoundRobin<string>): string[] {
  const items: string[] = [];
  for (let item = queue.take(); item !== undefined; item = queue.take()) items.push(item);
  return items;
}

describe("RoundRobin", () => {
  it("is empty at first", () => {
    const queue = new RoundRobin<string>();
    assert.equal(queue.take(), undefined);
    assert.equal(queue.size, 0);
    assert.deepEqual(queue.order(), []);
  });

  it("gives each user one turn per round, in join order, oldest item first", () => {
    const queue = rr("A1", "A2", "A3", "B1", "B2", "C1");
    assert.equal(queue.size, 6);
    assert.equal(queue.countOf("A"), 3);
    assert.deepEqual(queue.order(), ["A1", "B1", "C1", "A2", "B2", "A3"]);
    assert.equal(queue.size, 6, "order() changes nothing");
    assert.deepEqual(drain(queue), ["A1", "B1", "C1", "A2", "B2", "A3"]);
    assert.equal(queue.size, 0);
  });

  it("serves a newcomer before a user who already had a turn in this round", () => {
    const queue = rr("A1", "A2");
    assert.equal(queue.take(), "A1");
    queue.push("B", "B1");
    assert.deepEqual(queue.order(), ["B1", "A2"]);
    assert.deepEqual(drain(queue), ["B1", "A2"]);
  });

  it("makes a user who leaves and re-joins wait for the next round, at the end of the rotation", () => {
    const queue = rr("A1", "A2", "A3", "B1");
    assert.equal(queue.take(), "A1");
    assert.equal(queue.take(), "B1"); // B leaves
    queue.push("B", "B2");
    queue.push("C", "C1");
    // Round 0 still owes C a turn; A and B are in round 1, A first since B re-joined at the end.
    assert.deepEqual(drain(queue), ["C1", "A2", "B2", "A3"]);
  });

  it("gives users who had turns long ago the current round", () => {
    const queue = rr("A1", "A2", "A3", "A4", "B1");
    assert.deepEqual([queue.take(), queue.take(), queue.take(), queue.take()], ["A1", "B1", "A2", "A3"]);
    queue.push("B", "B2");
    queue.push("C", "C1");
    // Round 2 is under way (A3); B's last turn was round 0: B and C both play round 2 in join order,
    // before A's round-3 turn.
    assert.deepEqual(drain(queue), ["B2", "C1", "A4"]);
  });

  it("closes the gap a removed item leaves", () => {
    const queue = rr("A1", "A2", "A3", "B1", "B2", "B3");
    assert.equal(queue.remove((item) => item === "A2"), "A2");
    assert.equal(queue.remove((item) => item === "nope"), undefined);
    assert.deepEqual(queue.order(), ["A1", "B1", "A3", "B2", "B3"]);
    assert.equal(queue.size, 5);
  });

  it("removes all of a user's items and takes them out of the rotation", () => {
    const queue = rr("A1", "B1", "A2", "C1");
    assert.deepEqual(queue.removeAllOf("A"), ["A1", "A2"]);
    assert.deepEqual(queue.removeAllOf("A"), []);
    assert.equal(queue.countOf("A"), 0);
    queue.push("A", "A3");
    assert.deepEqual(drain(queue), ["B1", "C1", "A3"]);
  });
});
