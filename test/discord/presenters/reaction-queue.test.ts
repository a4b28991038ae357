import { test } from "node:test";
import assert from "node:assert/strict";
import { ReactionQueue } from "../../../src/discord/presenters/reaction-queue.ts";
import { ControlledSender, settle } from "./controlled-sender.ts";

type Op = { channelId: string; messageId: string; emoji: string; add: boolean };
const label = (op: Op) => `${op.channelId}/${op.messageId} ${op.add ? "+" : "-"}${op.emoji}`;

class Refused extends Error {}

function queue(sender: ControlledSender<string>) {
  return new ReactionQueue({
    send: (op) => sender.send(label(op)),
    isRetryable: (error) => !(error instanceof Refused),
    onError: () => {},
    retryDelaysMs: [0],
  });
}

test("one reaction request in flight per channel, a finished result's 🔁 before new jobs' ❌, cleanup last", async () => {
  const sender = new ControlledSender<string>();
  const reactions = queue(sender);
  reactions.add("c1", "m1", "❌", "status");
  reactions.add("c1", "m2", "❌", "status");
  reactions.remove("c1", "m0", "❌");
  reactions.add("c1", "m3", "❌", "status");
  reactions.add("c1", "r1", "🔁", "result");
  reactions.add("c2", "m9", "❌", "status");
  await settle();
  assert.deepEqual(sender.sent, ["c1/m1 +❌", "c2/m9 +❌"], "one per channel; channels are independent");
  for (let i = 0; i < 5; i++) await sender.succeed(i);
  assert.deepEqual(sender.sent, ["c1/m1 +❌", "c2/m9 +❌", "c1/r1 +🔁", "c1/m2 +❌", "c1/m3 +❌", "c1/m0 -❌"]);
  await sender.succeed(5);
  assert.equal(reactions.scheduled, 0);
});

test("an add and a remove of the same reaction that are both still waiting cancel out", async () => {
  const sender = new ControlledSender<string>();
  const reactions = queue(sender);
  reactions.add("c1", "busy", "❌", "status");
  reactions.add("c1", "m1", "❌", "status");
  reactions.remove("c1", "m1", "❌");
  await settle();
  await sender.succeed(0);
  assert.deepEqual(sender.sent, ["c1/busy +❌"], "the job ended before its ❌ was added: no add, no remove");
  assert.equal(reactions.scheduled, 0);
});

test("a failed reaction is retried; one Discord refused (403, 404) is not", async () => {
  const sender = new ControlledSender<string>();
  const reactions = queue(sender);
  reactions.add("c1", "m1", "🔁", "result");
  await settle();
  await sender.fail(0, new Error("502 Bad Gateway"));
  await sender.waitForCalls(2);
  assert.deepEqual(sender.sent, ["c1/m1 +🔁", "c1/m1 +🔁"]);
  await sender.succeed(1);
  reactions.add("c1", "gone", "🔁", "result");
  await settle();
  await sender.fail(2, new Refused());
  await settle();
  assert.equal(sender.sent.length, 3);
  assert.equal(reactions.scheduled, 0);
});
