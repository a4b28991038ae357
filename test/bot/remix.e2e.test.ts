import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { findByResultMessageId, quotaDay, usageToday } from "../../src/db/index.ts";
import type { FakeInteraction } from "../discord-fake/index.ts";
import { sendImg2Img, sendTxt2Img, startHarness, testImage, until, waitForInteractionResult, type Harness } from "./harness.ts";

/** Uses message command `name` on `targetMessageId` and waits for the modal the bot answers with. */
async function openModal(h: Harness, name: string, targetMessageId: string, userId = h.users[0]!.id): Promise<FakeInteraction> {
  const sent = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId, name, targetMessageId });
  await until(() => h.fake.interaction(sent.id).acknowledged, `an answer to ${name}`);
  return sent;
}

/** The modal's prefilled values by input id. */
function prefilled(h: Harness, interaction: FakeInteraction): Record<string, string | undefined> {
  const modal = h.fake.interaction(interaction.id).modal;
  assert.ok(modal, "the bot answered with a modal");
  const rows = modal.components as Array<{ components: Array<{ custom_id: string; value?: string }> }>;
  return Object.fromEntries(rows.map((row) => [row.components[0]!.custom_id, row.components[0]!.value]));
}

async function resultOf(h: Harness, interaction: FakeInteraction) {
  await waitForInteractionResult(h, interaction);
  const job = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(interaction.id).reply!.id);
  assert.ok(job, "the result is recorded");
  return job;
}

const used = (h: Harness) => usageToday(h.bot.ctx.db, h.guild.id, h.users[0]!.id, quotaDay(new Date(), "UTC")).then((u) => u.used);

describe("message commands: Remix and img2img this, through modals", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { cooldownSeconds: 0, dailyImagesPerUser: 20 } });
  });
  after(() => h.stop());

  test("Remix opens a modal prefilled from the result; its submission queues the edited request with the same input, after a restart too", async () => {
    const original = await resultOf(h, await sendImg2Img(h, { prompt: "a red square", extra: [{ name: "seed", type: 3, value: "77" }, { name: "strength", type: 10, value: 0.6 }] }));
    await h.restart();
    const opened = await openModal(h, "Remix", original.resultMessageId!);
    assert.deepEqual(prefilled(h, opened), { prompt: "a red square", negative_prompt: undefined, strength: "0.6", steps: "4", seed: "77" });
    // Modals keep nothing in the bot: one opened before a restart is submitted after it.
    await h.restart();
    const before = await used(h);
    const submitted = h.fake.submitModal({ interactionId: opened.id, values: { prompt: "a blue square", strength: "0.5", seed: "78" } });
    const remix = await resultOf(h, submitted);
    assert.deepEqual(
      [remix.parentId, remix.kind, remix.prompt, remix.strength, remix.seed, remix.steps, remix.inputHash, remix.width, remix.height],
      [original.id, "img2img", "a blue square", 0.5, 78n, 4, original.inputHash, original.width, original.height],
    );
    assert.equal(await used(h), before + 1);
  });

  test("a Remix outside the limits is refused privately and costs nothing; Remix on a message that is not a result says so", async () => {
    const original = await resultOf(h, sendTxt2Img(h, { prompt: "a lighthouse" }));
    const opened = await openModal(h, "Remix", original.resultMessageId!);
    const before = await used(h);
    const refused = h.fake.submitModal({ interactionId: opened.id, values: { steps: "151" } });
    await until(() => h.fake.interaction(refused.id).acknowledged, "the refusal");
    await until(() => h.fake.interaction(refused.id).followups.length > 0 || /Steps/.test(h.fake.interaction(refused.id).reply?.content ?? ""), "the refusal text");
    const state = h.fake.interaction(refused.id);
    assert.match(state.followups[0]?.content ?? state.reply?.content ?? "", /Steps must be a whole number from 1 to 150/);
    await h.setLimits({ maxSteps: 2 });
    const overServerLimit = h.fake.submitModal({ interactionId: opened.id, values: { steps: "3" } });
    await until(() => h.fake.interaction(overServerLimit.id).followups.length > 0, "the gate's refusal");
    assert.match(h.fake.interaction(overServerLimit.id).followups[0]!.content, /steps/i);
    await h.setLimits({ maxSteps: 50 });
    assert.equal(await used(h), before);

    const plain = h.fake.addUserMessage({ channelId: h.channel.id, userId: h.users[1]!.id, content: "hello" });
    const notResult = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name: "Remix", targetMessageId: plain.id });
    await until(() => h.fake.interaction(notResult.id).acknowledged, "the answer");
    assert.equal(h.fake.interaction(notResult.id).modal, undefined);
    assert.ok(h.fake.interaction(notResult.id).ephemeral);
  });

  test("img2img this on anyone's image downloads it under /img2img's rules, stores it by hash, and queues img2img; after a restart too", async () => {
    const attachment = h.fake.addAttachment(await testImage(128, 96), { filename: "photo.jpg", contentType: "image/jpeg" });
    const theirs = h.fake.addUserMessage({ channelId: h.channel.id, userId: h.users[1]!.id, content: "my photo", attachments: [attachment] });
    await h.restart();
    const opened = await openModal(h, "img2img this", theirs.id);
    assert.equal(prefilled(h, opened).strength, "0.75");
    const job = await resultOf(h, h.fake.submitModal({ interactionId: opened.id, values: { prompt: "as a watercolor", strength: "0.5" } }));
    assert.deepEqual([job.kind, job.prompt, job.strength, job.userId, job.parentId], ["img2img", "as a watercolor", 0.5, h.users[0]!.id, null]);
    assert.ok(job.inputHash && (await h.bot.ctx.inputs.get(job.inputHash)), "the input is stored by hash");
    // A message without an image gets a clear answer, no modal.
    // Quota applies: with none left the submission is refused, downloads and costs nothing.
    const spent = await used(h);
    await h.setLimits({ dailyImagesPerUser: spent });
    const again = await openModal(h, "img2img this", theirs.id);
    const refused = h.fake.submitModal({ interactionId: again.id, values: { prompt: "one more" } });
    await until(() => h.fake.interaction(refused.id).followups.length > 0, "the quota refusal");
    assert.match(h.fake.interaction(refused.id).followups[0]!.content, new RegExp(`You've used ${spent} of ${spent} images today`));
    assert.equal(await used(h), spent);
    await h.setLimits({ dailyImagesPerUser: 20 });
    const text = h.fake.addUserMessage({ channelId: h.channel.id, userId: h.users[1]!.id, content: "no image" });
    const noImage = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name: "img2img this", targetMessageId: text.id });
    await until(() => h.fake.interaction(noImage.id).acknowledged, "the answer");
    assert.equal(h.fake.interaction(noImage.id).modal, undefined);
  });
});
