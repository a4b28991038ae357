import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { readdir } from "node:fs/promises";
import { decodeImage } from "../../src/inference/image/decode-image.ts";
import { ImageInputError } from "../../src/inference/image/errors.ts";
import { makeHostileImages, noise, type HostileImage } from "../helpers/hostile-images.ts";
import { FakeInference, OPTION, generationCount, refusalOf, sendImg2Img, startHarness, until, waitForOutcome, type CommandOutcome, type Harness } from "./harness.ts";

/** Every file under the input store (normalized inputs are only written for accepted images). */
async function storedInputs(h: Harness): Promise<number> {
  const entries = await readdir(h.config.inputStoreDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

/** The ImageInputError the bot's decoder raises for these bytes, under the harness's limits. */
async function decodeError(h: Harness, bytes: Buffer): Promise<ImageInputError> {
  try {
    await decodeImage(bytes, { maxInputPixels: h.config.maxInputPixels, maxBytes: h.config.maxInputBytes });
  } catch (error) {
    if (error instanceof ImageInputError) return error;
    throw error;
  }
  throw new Error("expected the decoder to refuse these bytes");
}

/** Sends `/img2img` and checks its refusal: private, and nothing queued, charged or stored. */
async function expectRefused(h: Harness, send: () => ReturnType<typeof sendImg2Img>): Promise<string> {
  const [generations, inputs] = [await generationCount(h), await storedInputs(h)];
  const outcome: CommandOutcome = await waitForOutcome(h, await send());
  const message = refusalOf(outcome);
  assert.ok("ephemeral" in outcome && outcome.ephemeral, "a refusal is seen only by its member");
  assert.equal(await generationCount(h), generations, "nothing was queued or charged");
  assert.equal(await storedInputs(h), inputs, "nothing was stored");
  return message;
}

describe("hostile /img2img inputs are refused before any work, each with a clear message", () => {
  let h: Harness;
  let corpus: Record<string, HostileImage>;
  before(async () => {
    h = await startHarness({ inference: new FakeInference() });
    await h.setLimits({ dailyImagesPerUser: 1000, maxQueuedPerUser: 20 });
    corpus = await makeHostileImages();
  });
  after(() => h.stop());

  test("the corpus: good images (animated, CMYK, 16-bit, alpha, EXIF-rotated too) are accepted; the rest get the decoder's message", async () => {
    for (const [name, entry] of Object.entries(corpus)) {
      if (entry.expect === "ok") {
        const outcome = await waitForOutcome(h, await sendImg2Img(h, { image: entry.bytes, prompt: `corpus ${name}` }));
        assert.ok("queued" in outcome, `${name} was accepted, got ${JSON.stringify(outcome)}`);
        continue;
      }
      const expected = await decodeError(h, entry.bytes);
      assert.equal(expected.code, entry.expect, `${name}: the decoder's reason`);
      const message = await expectRefused(h, () => sendImg2Img(h, { image: entry.bytes, prompt: `corpus ${name}` }));
      assert.equal(message, expected.message, `${name}: the user sees the decoder's message`);
    }
    // "Queued as #…" is shown just before the job enters the queue, so wait on the database rather than the queue.
    const accepted = Object.values(corpus).filter((e) => e.expect === "ok").length;
    const done = () => h.bot.ctx.db.prisma.generation.count({ where: { status: "done" } });
    await until(async () => (await done()) === accepted, "every good image to be generated from");
    assert.equal(await generationCount(h), accepted, "only the good images became jobs");
  });

  test("an attachment on another host is refused without any request to it", async () => {
    const requested: string[] = [];
    const onRequest = (message: unknown) => {
      const { request } = message as { request: { origin?: unknown; path?: string } };
      requested.push(`${String(request.origin)}${request.path ?? ""}`);
    };
    diagnostics.subscribe("undici:request:create", onRequest);
    try {
      const message = await expectRefused(h, () => sendImg2Img(h, { attachmentUrl: "https://evil.example/x.png" }));
      assert.equal(message, "Attachments are only fetched from Discord's CDN, not from evil.example.");
    } finally {
      diagnostics.unsubscribe("undici:request:create", onRequest);
    }
    assert.deepEqual(requested.filter((url) => url.includes("evil.example")), [], "no request went to the other host");
  });

  test("a prompt over 1000 characters, or with control characters, is refused before the attachment is downloaded", async () => {
    const cdnCallsBefore = h.fake.calls.filter((c) => c.route.startsWith("/cdn/")).length;
    const long = await expectRefused(h, () => sendImg2Img(h, { prompt: "a very long prompt ".repeat(60) }));
    assert.equal(long, "Your prompt is 1,140 characters long; the limit is 1,000. Please shorten it.");
    const control = await expectRefused(h, () => sendImg2Img(h, { prompt: "a bell\u0007 in the night" }));
    assert.match(control, /^Your prompt contains a .+ \(U\+0007\) at character 7\. Control and invisible characters aren't allowed/);
    assert.equal(h.fake.calls.filter((c) => c.route.startsWith("/cdn/")).length, cdnCallsBefore, "no attachment was downloaded");
  });
});

describe("an attachment over MAX_INPUT_BYTES", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ inference: new FakeInference(), env: { MAX_INPUT_BYTES: "4096" } });
  });
  after(() => h.stop());

  test("is refused from its declared size, before any byte is fetched", async () => {
    const big = await noise(64, 64).png().toBuffer();
    assert.ok(big.length > 4096);
    const message = await expectRefused(h, () => sendImg2Img(h, { image: big }));
    assert.equal(message, `That file is ${Number((big.length / 1024).toFixed(1))} KiB; the limit is 4 KiB.`);
    assert.ok(!h.fake.calls.some((c) => c.route.startsWith("/cdn/")), "the file was not downloaded");
  });

  test("a file whose declared size understates it is cut off while downloading", async () => {
    const big = await noise(64, 64).png().toBuffer();
    const attachment = { ...h.fake.addAttachment(big, { filename: "small.png" }), size: 1000 };
    const message = await expectRefused(h, async () =>
      h.fake.sendSlashCommand({
        guildId: h.guild.id,
        channelId: h.channel.id,
        userId: h.users[0]!.id,
        name: "img2img",
        options: [
          { name: "image", type: OPTION.attachment, value: attachment.id },
          { name: "prompt", type: OPTION.string, value: "a liar" },
        ],
        attachments: [attachment],
      }),
    );
    assert.equal(message, "That file is over the 4 KiB limit.");
  });
});
