import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { readPngText } from "../../src/inference/image/png-text-chunks.ts";
import { filesOf, OPTION, payloadOf, sendImg2Img, sendTxt2Img, startHarness, waitForInteractionResult, type Harness } from "./harness.ts";

describe("/img2img and /txt2img through a real discord.js client", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test("/img2img: defer at once, live status, then the PNG with its seed and a 🔁 under it", async () => {
    const interaction = await sendImg2Img(h, { extra: [{ name: "seed", type: 3, value: "12345" }] });
    const result = await waitForInteractionResult(h, interaction);
    const state = h.fake.interaction(interaction.id);
    assert.equal(state.callbackType, 5, "the first answer is a deferral");
    const calls = h.fake.calls.filter((c) => c.route.includes(interaction.token));
    assert.match(calls[0]!.route, /\/callback$/, "nothing comes before the deferral");
    const statusEdits = calls.filter((c) => c.method === "PATCH" && filesOf(c).length === 0);
    assert.ok(statusEdits.some((c) => /Queued|queue|next|Generating/.test(String(payloadOf(c).content))), "a status edit was shown");

    const [file] = filesOf(result);
    assert.ok(file, "the result carries a file");
    assert.match(file.filename, /^reroll-\d+-12345\.png$/);
    assert.match(readPngText(file.data).parameters ?? "", /Seed: 12345/);
    const meta = await sharp(file.data).metadata();
    assert.equal(meta.format, "png");
    const embed = (payloadOf(result).embeds as Array<{ fields: Array<{ name: string; value: string }> }>)[0]!;
    assert.equal(embed.fields.find((f) => f.name === "Seed")?.value, "`12345`");
    const message = state.reply!;
    await h.fake.waitForCall((c) => c.method === "PUT" && c.route.includes(`/messages/${message.id}/reactions/🔁/@me`));
    assert.ok(h.fake.reactions(message.id).get("🔁")?.has(h.fake.botUser.id));
  });

  test("/txt2img: the result has the requested size", async () => {
    const interaction = sendTxt2Img(h);
    const result = await waitForInteractionResult(h, interaction);
    const meta = await sharp(filesOf(result)[0]!.data).metadata();
    assert.deepEqual([meta.width, meta.height], [256, 256]);
  });

  test("the result is shrunk to fit the upload limit the interaction reports", async () => {
    const interaction = h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[0]!.id,
      name: "txt2img",
      options: [
        { name: "prompt", type: OPTION.string, value: "noise" },
        { name: "steps", type: OPTION.integer, value: 2 },
      ],
      attachmentSizeLimit: 40_000,
    });
    const file = filesOf(await waitForInteractionResult(h, interaction))[0]!;
    assert.ok(file.data.length <= 40_000, `${file.data.length} bytes`);
    const meta = await sharp(file.data).metadata();
    assert.ok(meta.width! < 512 || meta.format !== "png", "downscaled or recompressed");
  });

  test("the same seed and parameters give the same bytes through the bot", async () => {
    const first = await waitForInteractionResult(h, sendTxt2Img(h, { extra: [{ name: "seed", type: 3, value: "77" }] }));
    const second = await waitForInteractionResult(h, sendTxt2Img(h, { extra: [{ name: "seed", type: 3, value: "77" }] }));
    assert.ok(filesOf(first)[0]!.data.equals(filesOf(second)[0]!.data));
  });
});
