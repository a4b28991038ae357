import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { INVALID_REQUEST_BAN_THRESHOLD } from "../discord-fake/index.ts";
import { runBurst } from "./burst-scenario.ts";

/** A few 429s may meet the first requests of a burst (buckets are learnt from headers); none in steady state. */
const MAX_429 = 5;
/** Counts, not times: a shared test machine may be slower than Discord's 3 s to acknowledge (bench/burst.ts measures that). */
const ACK_DEADLINE_MS = 15_000;

describe("a burst on a busy server, against a Discord fake as strict as Discord in its own process", () => {
  test("150 commands from 50 members during a running job: all queued, the queue drains while Discord holds every reaction, each result posted once", async () => {
    const result = await runBurst({ members: 50, perMember: 3, modelMs: 5, stallReactions: true, ackDeadlineMs: ACK_DEADLINE_MS });
    assert.equal(result.jobs, 150);
    assert.ok(result.ackMs.every(Number.isFinite), "every command was acknowledged");
    assert.ok(result.queuedMs.every(Number.isFinite), "every command was queued");
    assert.deepEqual(new Set(result.resultsPerCommand), new Set([1]), "every result posted exactly once");
    assert.ok(result.rateLimited <= MAX_429, `429s: ${result.rateLimited}`);
    assert.ok(result.invalidRequests < INVALID_REQUEST_BAN_THRESHOLD / 100, `invalid requests: ${result.invalidRequests}`);
  });

  test("REST requests per finished job stay flat from 10 to 200 waiting jobs", async () => {
    const small = await runBurst({ members: 10, perMember: 1, modelMs: 5, ackDeadlineMs: ACK_DEADLINE_MS });
    const large = await runBurst({ members: 100, perMember: 2, modelMs: 5, ackDeadlineMs: ACK_DEADLINE_MS });
    const perJob = (r: typeof small) => r.restRequests / r.jobs;
    assert.equal(large.jobs, 200);
    assert.deepEqual(new Set([...small.resultsPerCommand, ...large.resultsPerCommand]), new Set([1]), "every result posted exactly once");
    assert.ok(perJob(large) <= perJob(small) * 1.25, `per job: ${perJob(small).toFixed(2)} with 10 waiting, ${perJob(large).toFixed(2)} with 200`);
    assert.ok(large.rateLimited + small.rateLimited <= MAX_429, `429s: ${small.rateLimited} + ${large.rateLimited}`);
    assert.ok(large.invalidRequests < INVALID_REQUEST_BAN_THRESHOLD / 100, `invalid requests: ${large.invalidRequests}`);
  });
});
