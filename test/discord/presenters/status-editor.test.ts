import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusEditor } from "../../../src/discord/presenters/status-editor.ts";
import { ControlledSender, settle } from "./controlled-sender.ts";

class Refused extends Error {}

function editor(sender: ControlledSender<string>, errors: Array<{ retry: boolean }> = []) {
  return new StatusEditor({
    send: (key, content) => sender.send(`${key}:${content}`),
    intervalMs: 0,
    isRetryable: (error) => !(error instanceof Refused),
    onError: (_error, _key, retry) => errors.push({ retry }),
    retryDelaysMs: [0],
  });
}

test("one edit of a message in flight at a time; the latest content wins; the same text is not sent again", async () => {
  const sender = new ControlledSender<string>();
  const edits = editor(sender);
  edits.update("1", "a");
  edits.update("1", "b");
  edits.update("1", "c");
  edits.update("2", "x");
  await settle();
  assert.deepEqual(sender.sent, ["1:a", "2:x"], "one in flight per message; messages are independent");
  await sender.succeed(0);
  assert.deepEqual(sender.sent, ["1:a", "2:x", "1:c"], "b was replaced by c before it was sent");
  await sender.succeed(2);
  edits.update("1", "c");
  await settle();
  assert.equal(sender.sent.length, 3, "c is already shown");
  assert.equal(edits.scheduled, 1, "only 2:x is still in flight");
});

test("the last word goes after the edit in flight and is never overwritten; a failed one is retried, a refused one is not", async () => {
  const sender = new ControlledSender<string>();
  const errors: Array<{ retry: boolean }> = [];
  const edits = editor(sender, errors);
  edits.update("1", "progress");
  await settle();
  let finals = 0;
  edits.finish("1", async () => {
    finals += 1;
    await sender.send("1:failed");
  });
  edits.update("1", "late progress");
  await settle();
  assert.deepEqual(sender.sent, ["1:progress"]);
  await sender.succeed(0);
  assert.deepEqual(sender.sent, ["1:progress", "1:failed"]);
  await sender.fail(1, new Error("503"));
  await sender.waitForCalls(3);
  assert.deepEqual(sender.sent, ["1:progress", "1:failed", "1:failed"], "retried");
  assert.equal(finals, 2);
  await sender.succeed(2);
  assert.equal(edits.scheduled, 0);

  edits.update("2", "x");
  await settle();
  await sender.fail(3, new Refused());
  await settle();
  assert.deepEqual(errors.map((e) => e.retry), [true, false]);
  assert.equal(sender.sent.length, 4, "a refusal is not retried");
});

test("settle drops what is pending and waits for the edit in flight", async () => {
  const sender = new ControlledSender<string>();
  const edits = editor(sender);
  edits.update("1", "a");
  edits.update("1", "b");
  await settle();
  let settled = false;
  const done = edits.settle("1").then(() => (settled = true));
  await settle();
  assert.equal(settled, false, "a is still in flight");
  await sender.succeed(0);
  await done;
  assert.deepEqual(sender.sent, ["1:a"], "b was dropped");
});
