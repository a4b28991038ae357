import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { findByResultMessageId } from "../../src/db/index.ts";
import { OPTION, sendImg2Img, startHarness, until, waitForInteractionResult, type Harness } from "./harness.ts";

/**
 * A Remix of an img2img made with the LCM scheduler on a model that is not LCM-distilled (LCM-LoRA's case): its
 * strength slices the schedule as for any scheduler (08910a3), so a strength that leaves no step is refused before
 * anything is queued or charged, as /img2img and "img2img this" refuse it.
 */
describe("Remix: a strength that leaves no step with LCM on a plain model", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { cooldownSeconds: 0, dailyImagesPerUser: 20 } });
  });
  after(() => h.stop());

  test("is refused privately; no job is queued", async () => {
    const sent = await sendImg2Img(h, {
      prompt: "a red square",
      extra: [
        { name: "scheduler", type: OPTION.string, value: "lcm" },
        { name: "strength", type: OPTION.number, value: 0.6 },
      ],
    });
    await waitForInteractionResult(h, sent);
    const original = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(sent.id).reply!.id);
    assert.ok(original?.resultMessageId, "the original is posted");
    assert.equal(original.scheduler, "lcm");

    const opened = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name: "Remix", targetMessageId: original.resultMessageId });
    await until(() => h.fake.interaction(opened.id).modal !== undefined, "the Remix modal");
    // 4 steps × 0.2 = 0.8: no step.
    const submitted = h.fake.submitModal({ interactionId: opened.id, values: { strength: "0.2" } });
    const said = () => {
      const state = h.fake.interaction(submitted.id);
      return [...state.followups.map((followup) => followup.content), state.reply?.content ?? ""].join("\n");
    };
    await until(() => /leaves no denoising step/.test(said()), "the strength's refusal");
    const remixes = await h.bot.ctx.db.prisma.generation.count({ where: { parentId: original.id } });
    assert.equal(remixes, 0, "nothing was queued for it");
  });
});
