import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { findById } from "../../src/db/index.ts";
import { ResultStore } from "../../src/services/result-store.ts";
import { FakeInference, filesOf, payloadOf, sendTxt2Img, startHarness, until, waitForOutcome, type Harness } from "./harness.ts";

/**
 * Issue 8, item 9: the bot is killed after Discord took a result but before the database says so. Past the
 * interaction token's 15 minutes the result is a new channel message, so posting it again on restart would post
 * it twice. Simulated exactly: the job is put back in the state the crash leaves (running, result on disk, no
 * result message) and the bot restarts.
 */
describe("a result redelivered after a crash is posted once", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ inference: new FakeInference() });
  });
  after(() => h.stop());

  const resultPostsOf = (id: number) =>
    h.fake.messages(h.channel.id).filter((m) => m.author.id === h.fake.botUser.id && m.attachments.some((a) => a.filename.includes(`reroll-${id}-`)));

  async function postedAfterExpiry(prompt: string): Promise<number> {
    const interaction = sendTxt2Img(h, { prompt });
    h.bot.ctx.generations.queue.pause();
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome);
    h.fake.expireInteractionToken(interaction.token);
    h.bot.ctx.generations.queue.start();
    await until(async () => (await findById(h.bot.ctx.db, outcome.queued))?.status === "done", "the first delivery");
    assert.equal(resultPostsOf(outcome.queued).length, 1);
    // The crash window: Discord has the message, the database and the result store do not know it.
    const posted = resultPostsOf(outcome.queued)[0]!;
    const bytes = h.fake.attachmentBytes(posted.attachments[0]!.url)!;
    await new ResultStore(h.config.resultStoreDir).put(outcome.queued, bytes);
    await h.bot.ctx.db.prisma.generation.update({
      where: { id: outcome.queued },
      data: { status: "running", resultMessageId: null, finishedAt: null, interactionToken: interaction.token },
    });
    return outcome.queued;
  }

  test("within Discord's nonce window", async () => {
    const id = await postedAfterExpiry("crash within minutes");
    await h.restart();
    await until(async () => (await findById(h.bot.ctx.db, id))?.status === "done", "the redelivery");
    const posts = resultPostsOf(id);
    assert.equal(posts.length, 1, "one result message");
    assert.equal((await findById(h.bot.ctx.db, id))?.resultMessageId, posts[0]!.id);
    // Discord itself dedupes it too (a retry after a lost answer): the post carries a nonce it enforces.
    const post = h.fake.calls.find((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && filesOf(c).length > 0)!;
    assert.equal(payloadOf(post).enforce_nonce, true);
    assert.equal(typeof payloadOf(post).nonce, "string");
  });

  test("past the nonce window: the result already in the channel is found, not posted again", async () => {
    const id = await postedAfterExpiry("crash long ago");
    h.fake.expireNonces();
    await h.restart();
    await until(async () => (await findById(h.bot.ctx.db, id))?.status === "done", "the redelivery");
    const posts = resultPostsOf(id);
    assert.equal(posts.length, 1, "one result message");
    assert.equal((await findById(h.bot.ctx.db, id))?.resultMessageId, posts[0]!.id);
    const channelPosts = h.fake.calls.filter((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && filesOf(c).length > 0);
    assert.ok(channelPosts.every((c) => c.status < 300), "no post was refused");
  });
});
