import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import { filesOf, sendTxt2Img, startHarness, waitForInteractionResult, OPTION, type Harness } from "./harness.ts";

describe("live preview while a job runs (real worker, tiny model)", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ limits: { livePreview: true } });
  });
  after(() => h.stop());

  const previewEdits = (token: string) =>
    h.fake.calls.filter((c) => c.method === "PATCH" && c.route.includes(token) && filesOf(c).some((f) => f.filename === "preview.png"));

  test("the status message carries a small preview decoded from the latents, then the result replaces it", async () => {
    const interaction = sendTxt2Img(h, { extra: [{ name: "steps", type: OPTION.integer, value: 8 }, { name: "width", type: OPTION.integer, value: 128 }, { name: "height", type: OPTION.integer, value: 64 }] });
    await waitForInteractionResult(h, interaction);
    const result = h.fake.calls.filter((c) => c.method === "PATCH" && c.route.includes(interaction.token) && filesOf(c).some((f) => f.filename !== "preview.png")).at(-1)!;
    const edits = previewEdits(interaction.token);
    assert.ok(edits.length >= 1, "no status edit carried a preview");
    const preview = filesOf(edits[0]!).find((f) => f.filename === "preview.png")!;
    const meta = await sharp(preview.data).metadata();
    assert.deepEqual([meta.width, meta.height], [(128 / 8) * 4, (64 / 8) * 4], "one latent cell per 4×4 pixels");
    assert.ok(result, "the result was posted");
    assert.deepEqual(filesOf(result).map((f) => f.filename).filter((name) => name === "preview.png"), [], "the result carries no preview");
  });

  test("/limits live_preview off: no status edit carries a preview", async () => {
    await h.setLimits({ livePreview: false });
    const interaction = sendTxt2Img(h, { extra: [{ name: "steps", type: OPTION.integer, value: 8 }, { name: "width", type: OPTION.integer, value: 64 }, { name: "height", type: OPTION.integer, value: 64 }] });
    await waitForInteractionResult(h, interaction);
    assert.equal(previewEdits(interaction.token).length, 0);
  });
});
