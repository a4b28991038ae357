import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findByResultMessageId } from "../../src/db/index.ts";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { addModel, removeModel, type ModelSettings } from "../../src/models/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { OPTION, filesOf, payloadOf, refusalOf, runCommand, sendTxt2Img, startHarness, subcommandOptions, until, waitForInteractionResult, waitForOutcome, type Harness } from "./harness.ts";

const MANAGE_GUILD = 1n << 5n;

describe("several models: the model option, its autocomplete, a server's default, rerolls", () => {
  let h: Harness;
  let modelsDir: string;
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "reroll-models-"));
    const settings: ModelSettings = { modelsDir, precision: "fp32", hub: { hubUrl: "http://127.0.0.1:9" } };
    // Two installed models (local folders); the bot starts on "alpha".
    await addModel(settings, await syntheticModel("tiny"), "alpha");
    await addModel(settings, await syntheticModel("tiny-optimum"), "beta");
    h = await startHarness({ modelDir: await syntheticModel("tiny"), modelName: "alpha", env: { MODELS_DIR: modelsDir } });
  });
  after(async () => {
    await h.stop();
    await rm(modelsDir, { recursive: true, force: true });
  });

  /** Types into an option and returns the bot's autocomplete choices (callback type 8). */
  async function autocomplete(name: string, options: Array<{ name: string; type: number; value?: unknown; focused?: boolean; options?: unknown[] }>) {
    const interaction = h.fake.sendAutocomplete({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name, options: options as never });
    const call = await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/interactions/${interaction.id}/${interaction.token}/callback`);
    const body = payloadOf(call) as { type?: number; data?: { choices?: Array<{ name: string; value: string }> } };
    assert.equal(body.type, 8, "an autocomplete answer");
    return body.data?.choices ?? [];
  }

  test("the model option autocompletes from the installed models", async () => {
    const all = await autocomplete("txt2img", [{ name: "prompt", type: OPTION.string, value: "x" }, { name: "model", type: OPTION.string, value: "", focused: true }]);
    assert.deepEqual(all.map((c) => c.value), ["alpha", "beta"]);
    assert.match(all[0]!.name, /bot default/);
    const typed = await autocomplete("img2img", [{ name: "model", type: OPTION.string, value: "BE", focused: true }]);
    assert.deepEqual(typed.map((c) => c.value), ["beta"]);
  });

  test("/txt2img model:beta runs on beta and records it; Generation info names it", async () => {
    const interaction = sendTxt2Img(h, { prompt: "on beta", extra: [{ name: "model", type: OPTION.string, value: "beta" }] });
    const posted = await waitForInteractionResult(h, interaction);
    assert.match(readPngText(filesOf(posted)[0]!.data).parameters ?? "", /Model: beta$/, "the PNG names the model picked");
    const resultId = h.fake.interaction(interaction.id).reply!.id;
    const job = await findByResultMessageId(h.bot.ctx.db, resultId);
    assert.equal(job?.model, "beta");
    const info = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name: "Generation info", targetMessageId: resultId });
    const answer = await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/interactions/${info.id}/${info.token}/callback`);
    assert.match(String((answer.body as { data?: { content?: string } }).data?.content), /\*\*Model:\*\* beta/);
    const plain = sendTxt2Img(h, { prompt: "on the default" });
    await waitForInteractionResult(h, plain);
    assert.equal((await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(plain.id).reply!.id))?.model, "alpha");
  });

  test("a model that is not installed is refused by name, listing the installed ones; nothing is charged", async () => {
    const interaction = sendTxt2Img(h, { prompt: "nope", extra: [{ name: "model", type: OPTION.string, value: "gamma" }] });
    const refusal = refusalOf(await waitForOutcome(h, interaction));
    assert.match(refusal, /No model called `gamma` is installed\. Installed models: `alpha`, `beta`\./);
  });

  test("a server's default model: /limits set default_model (autocompleted, checked), used when a request names none", async () => {
    const choices = await autocomplete("limits", [{ name: "set", type: 1, options: [{ name: "default_model", type: OPTION.string, value: "", focused: true }] }]);
    assert.deepEqual(choices.map((c) => c.value), ["-", "alpha", "beta"]);
    const refused = await runCommand(h, { name: "limits", permissions: MANAGE_GUILD, options: subcommandOptions("set", [{ name: "default_model", type: 3, value: "gamma" }]) });
    assert.match(refused.content, /No model called `gamma` is installed on this bot\. Installed: `alpha`, `beta`\./);
    const set = await runCommand(h, { name: "limits", permissions: MANAGE_GUILD, options: subcommandOptions("set", [{ name: "default_model", type: 3, value: "beta" }]) });
    assert.equal(set.embeds[0]?.fields?.find((f) => f.name === "Default model")?.value, "beta (default the bot's (alpha))");

    const interaction = sendTxt2Img(h, { prompt: "server default" });
    await waitForInteractionResult(h, interaction);
    assert.equal((await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(interaction.id).reply!.id))?.model, "beta");

    const back = await runCommand(h, { name: "limits", permissions: MANAGE_GUILD, options: subcommandOptions("set", [{ name: "default_model", type: 3, value: "-" }]) });
    assert.equal(back.embeds[0]?.fields?.find((f) => f.name === "Default model")?.value, "the bot's (alpha)");
  });

  test("🔁 on an image whose model was removed says plainly that the model is gone; nothing is queued", async () => {
    const interaction = sendTxt2Img(h, { prompt: "to be orphaned", extra: [{ name: "model", type: OPTION.string, value: "beta" }] });
    await waitForInteractionResult(h, interaction);
    const result = h.fake.interaction(interaction.id).reply!;
    // While beta is installed, a reroll (of another beta result) runs on beta, not on the bot's or the server's default.
    const other = sendTxt2Img(h, { prompt: "rerolled on beta", extra: [{ name: "model", type: OPTION.string, value: "beta" }] });
    await waitForInteractionResult(h, other);
    const otherResult = h.fake.interaction(other.id).reply!;
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: otherResult.id, userId: h.users[0]!.id, emoji: "🔁" });
    const parent = await findByResultMessageId(h.bot.ctx.db, otherResult.id);
    await until(async () => (await h.bot.ctx.db.prisma.generation.count({ where: { parentId: parent!.id, status: "done" } })) === 1, "the reroll");
    const reroll = await h.bot.ctx.db.prisma.generation.findFirstOrThrow({ where: { parentId: parent!.id } });
    assert.equal(reroll.model, "beta");
    await removeModel(modelsDir, "beta");
    const before = await h.bot.ctx.db.prisma.generation.count();
    const since = h.fake.calls.length;
    h.fake.addReaction({ guildId: h.guild.id, channelId: h.channel.id, messageId: result.id, userId: h.users[0]!.id, emoji: "🔁" });
    const notices = () =>
      h.fake.calls.slice(since).filter((c) => c.method === "POST" && c.route === `/channels/${h.channel.id}/messages` && String(payloadOf(c).content).includes("no longer installed"));
    await until(() => notices().length > 0, "the notice");
    assert.match(String(payloadOf(notices()[0]!).content), /made with the model "beta", which is no longer installed on this bot, so it cannot be rerolled/);
    assert.equal(await h.bot.ctx.db.prisma.generation.count(), before, "nothing was queued");
    assert.equal(filesOf(notices()[0]!).length, 0);
  });
});
