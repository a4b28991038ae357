import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GenerationRecord } from "../../src/db/types.ts";
import { matchStatusMessage } from "../../src/services/status-message-match.ts";

const at = (iso: string) => new Date(iso);
const job = (id: number, fields: Partial<GenerationRecord>): GenerationRecord =>
  ({ id, statusMessageId: null, interactionId: null, parentId: null, queuedAt: at("2024-05-01T12:00:00Z"), ...fields }) as GenerationRecord;
const noParent = async () => null;

describe("matchStatusMessage", () => {
  test("a stored id wins; an interaction reply finds its unlinked job by interaction id", async () => {
    const active = [job(1, { statusMessageId: "m1" }), job(2, { interactionId: "i2" })];
    assert.deepEqual(await matchStatusMessage(active, { id: "m1", guildId: "g", createdAt: at("2024-05-01T12:00:01Z") }, noParent), { job: active[0], linked: true });
    const reply = { id: "m2", guildId: "g", interactionId: "i2", createdAt: at("2024-05-01T12:00:01Z") };
    assert.deepEqual(await matchStatusMessage(active, reply, noParent), { job: active[1], linked: false });
    assert.equal(await matchStatusMessage(active, { ...reply, interactionId: "other" }, noParent), undefined);
  });

  test("a reroll's status message finds the newest unlinked reroll of its result queued before it (a minute of clock skew allowed)", async () => {
    const parentOf = async (resultMessageId: string) => (resultMessageId === "result-7" ? { id: 7 } : null);
    const active = [
      job(10, { parentId: 7, queuedAt: at("2024-05-01T12:00:00Z") }),
      job(11, { parentId: 7, queuedAt: at("2024-05-01T12:00:30Z") }),
      job(12, { parentId: 7, queuedAt: at("2024-05-01T12:05:00Z") }),
      job(13, { parentId: 8, queuedAt: at("2024-05-01T12:00:10Z") }),
    ];
    const status = { id: "s", guildId: "g", botReplyTo: "result-7", createdAt: at("2024-05-01T12:00:05Z") };
    assert.equal((await matchStatusMessage(active, status, parentOf))?.job.id, 11, "12:00:30 is within the skew; 12:05 is not");
    assert.equal(await matchStatusMessage(active, { ...status, botReplyTo: "result-9" }, parentOf), undefined);
    assert.equal(await matchStatusMessage(active, { ...status, botReplyTo: null }, parentOf), undefined);
  });
});
