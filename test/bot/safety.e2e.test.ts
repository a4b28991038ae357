import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { FLAGGED_IMAGE_BLOCKED } from "../../src/services/generation-service.ts";
import { syntheticModelWithSafetyChecker } from "../helpers/safety-models.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { filesOf, payloadOf, runCommand, sendTxt2Img, sendTxt2ImgIn, startHarness, subcommandOptions, waitForInteractionResult, type Harness } from "./harness.ts";
import type { FakeInteraction } from "../discord-fake/index.ts";

const MANAGE_GUILD = 1n << 5n;

/** The edit of the reply that tells the member their image was blocked. */
function waitForBlocked(h: Harness, interaction: FakeInteraction) {
  return h.fake.waitForCall(
    (c) =>
      c.method === "PATCH" &&
      c.route.includes(`/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`) &&
      String(payloadOf(c).content).includes(FLAGGED_IMAGE_BLOCKED),
    30_000,
  );
}

function chargedOf(h: Harness, id: number) {
  return h.bot.ctx.db.prisma.generation.findUniqueOrThrow({ where: { id } });
}

/** The generation a command made (the newest of the test server). */
function newestGeneration(h: Harness) {
  return h.bot.ctx.db.prisma.generation.findFirstOrThrow({ where: { guildId: h.guild.id }, orderBy: { id: "desc" } });
}

describe("the safety checker's verdict, through the Discord fake, under each server policy", () => {
  let h: Harness;
  let flagging: string;
  let clean: string;
  before(async () => {
    // A checker that flags every image (mean brightness above −1), and one that flags none (above 2).
    flagging = await syntheticModelWithSafetyChecker(-1);
    clean = await syntheticModelWithSafetyChecker(2);
    h = await startHarness({ modelDir: flagging });
  });
  after(async () => {
    await h.stop();
    for (const dir of [flagging, clean]) await rm(dir, { recursive: true, force: true });
  });

  test("block (the default): the member is told, nothing is posted, the image is refunded", async () => {
    const interaction = sendTxt2Img(h, { prompt: "blocked by default" });
    await waitForBlocked(h, interaction);
    const generation = await newestGeneration(h);
    assert.equal(generation.status, "failed");
    assert.equal((await chargedOf(h, generation.id)).charged, false, "the quota was refunded");
    // Requests Discord accepted: one it refused (429) posted nothing.
    const posted = h.fake.calls.filter((c) => c.status < 300 && c.route.includes(interaction.token) && filesOf(c).length > 0);
    assert.equal(posted.length, 0, "no image was posted");
  });

  test("spoiler: the flagged image is posted as a spoiler, also in a channel that is not age-restricted", async () => {
    await h.setLimits({ nsfwPolicy: "spoiler", spoilerOutsideNsfw: false });
    const interaction = sendTxt2Img(h, { prompt: "spoilered" });
    const [file] = filesOf(await waitForInteractionResult(h, interaction));
    assert.match(file?.filename ?? "", /^SPOILER_reroll-/);
  });

  test("nsfw-channels: posted as is in an age-restricted channel, blocked in any other", async () => {
    await h.setLimits({ nsfwPolicy: "nsfw-channels" });
    const adult = h.fake.addChannel(h.guild.id, { name: "adult", nsfw: true });
    const inAdult = sendTxt2ImgIn(h, adult.id, { prompt: "in the age-restricted channel" });
    const [file] = filesOf(await waitForInteractionResult(h, inAdult));
    assert.match(file?.filename ?? "", /^reroll-/, "posted as is, no spoiler");

    const elsewhere = sendTxt2Img(h, { prompt: "in the ordinary channel" });
    await waitForBlocked(h, elsewhere);
    assert.equal((await newestGeneration(h)).charged, false);
  });

  test("/limits show names the policy; an image the checker does not flag is posted plainly whatever the policy", async () => {
    await h.setLimits({ nsfwPolicy: "block" });
    let answer = await runCommand(h, { name: "limits", options: subcommandOptions("show") });
    let field = answer.embeds[0]?.fields?.find((f) => f.name === "Images the safety checker flags");
    assert.match(field?.value ?? "", /^blocked/);
    assert.doesNotMatch(field?.value ?? "", /no safety checker/);

    await h.restart({ modelDir: clean });
    const interaction = sendTxt2Img(h, { prompt: "not flagged" });
    const [file] = filesOf(await waitForInteractionResult(h, interaction));
    assert.match(file?.filename ?? "", /^reroll-/);

    await h.restart({ modelDir: await syntheticModel("tiny") });
    answer = await runCommand(h, { name: "limits", options: subcommandOptions("show") });
    field = answer.embeds[0]?.fields?.find((f) => f.name === "Images the safety checker flags");
    assert.match(field?.value ?? "", /The model has no safety checker, so no image is checked or flagged/);
  });

  test("/limits set flagged_images changes the policy and refuses an unknown value with the allowed ones", async () => {
    const manager = { name: "limits", permissions: MANAGE_GUILD };
    const set = await runCommand(h, { ...manager, options: subcommandOptions("set", [{ name: "flagged_images", type: 3, value: "spoiler" }]) });
    assert.match(set.content, /Changed 1 limit/);
    assert.equal(set.embeds[0]?.fields?.find((f) => f.name === "Images the safety checker flags")?.value.startsWith("posted as spoilers"), true);
    const bad = await runCommand(h, { ...manager, options: subcommandOptions("set", [{ name: "flagged_images", type: 3, value: "sometimes" }]) });
    assert.match(bad.content, /`flagged_images`.*"block", "spoiler", "nsfw-channels"/);
  });
});
