import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createLogger } from "../../src/logger.ts";
import type { FakeInteraction } from "../discord-fake/index.ts";
import { FakeInference, sendTxt2Img, startHarness, until, waitForOutcome, type Harness } from "./harness.ts";

function exactly(route: string): RegExp {
  return new RegExp(`^${route.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

function replyRoute(interaction: FakeInteraction): string {
  return `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`;
}

// The logger is the app's own (createLogger), given no secrets: tokens must be caught wherever discord.js puts them.
describe("the bot's trace-level log, with Discord failing its calls, holds none of the tokens the run used", () => {
  const lines: string[] = [];
  const output = (): string => lines.join("");
  let h: Harness;
  before(async () => {
    const logger = createLogger("trace", { destination: { write: (line: string) => void lines.push(line) } });
    h = await startHarness({ inference: new FakeInference(), logger });
  });
  after(() => h.stop());

  /** Waits until a log line at warn level or above (40+) matches `pattern`. */
  async function logged(pattern: RegExp, what: string): Promise<void> {
    await until(() => lines.some((line) => /"level":[456]0/.test(line) && pattern.test(line)), what);
  }

  test("expired tokens and failing edits make discord.js errors, and the log shows their routes without tokens", async () => {
    const used: FakeInteraction[] = [];

    // 1. The token expired before the bot answered: the deferral itself fails with 401 50027.
    const expired = sendTxt2Img(h, { prompt: "expired before the answer" });
    h.fake.expireInteractionToken(expired.token);
    used.push(expired);
    await logged(/"code":50027/, "the failed deferral to be logged");

    // 2. Every edit of a reply answers 500: discord.js retries, then gives up with an HTTPError.
    h.bot.ctx.generations.queue.pause();
    const failing = sendTxt2Img(h, { prompt: "its status edits fail" });
    h.fake.failNext({ method: "PATCH", route: exactly(replyRoute(failing)) }, 500, { times: 1000 });
    used.push(failing);

    // 3. The token expires while the job waits: the result upload fails with 401 and the bot posts in the channel.
    const late = sendTxt2Img(h, { prompt: "its token expires while queued" });
    used.push(late);
    assert.ok("queued" in (await waitForOutcome(h, late)));
    h.fake.expireInteractionToken(late.token);
    h.bot.ctx.generations.queue.start();

    await logged(/"status":500/, "the failing edits to be logged");
    // Past its token, the result is posted in the channel with the bot token.
    await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && c.status < 300);

    // 4. A queued job whose progress edits and upload all answer 500.
    h.bot.ctx.generations.queue.pause();
    const broken = sendTxt2Img(h, { prompt: "Discord fails its progress and upload" });
    used.push(broken);
    assert.ok("queued" in (await waitForOutcome(h, broken)));
    h.fake.failNext({ method: "PATCH", route: exactly(replyRoute(broken)) }, 500, { times: 1000 });
    h.bot.ctx.generations.queue.start();
    await logged(/could not post a result/, "the failed upload to be logged");

    const log = output();
    for (const interaction of used) {
      assert.ok(!log.includes(interaction.token), `interaction ${interaction.id}'s token is in the log`);
    }
    assert.ok(!log.includes(h.fake.token), "the bot token is in the log");
    assert.ok(!log.includes(h.config.discordToken ?? "unset"), "the configured token is in the log");
    // The errors were logged, with routes that still say which call failed.
    assert.ok(log.includes(`/interactions/${expired.id}/[redacted]/callback`), "the failed deferral's route is in the log");
    assert.ok(log.includes(`/webhooks/${failing.applicationId}/[redacted]/messages/`), "a failed edit's route is in the log");
  });
});
