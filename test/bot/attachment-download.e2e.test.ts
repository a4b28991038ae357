import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startMisbehavingServer, type MisbehavingServer } from "../helpers/misbehaving-server.ts";
import { FakeInference, generationCount, refusalOf, sendImg2Img, startHarness, testImage, waitForOutcome, type Harness } from "./harness.ts";

// The harness allows attachments from 127.0.0.1 over http, so a local server can stand in for a failing CDN.
describe("/img2img whose attachment download fails", () => {
  let h: Harness;
  let server: MisbehavingServer;
  let image: Buffer;
  before(async () => {
    image = await testImage();
    server = await startMisbehavingServer(image);
    h = await startHarness({ inference: new FakeInference() });
  });
  after(async () => {
    await h.stop();
    await server.close();
  });

  test("a download cut halfway says so, privately, and charges nothing", async () => {
    const before = await generationCount(h);
    const outcome = await waitForOutcome(h, await sendImg2Img(h, { image, attachmentUrl: `${server.origin}/cut` }));
    assert.equal(refusalOf(outcome), "The attachment download was interrupted before the whole file arrived. Try again.");
    assert.ok("ephemeral" in outcome && outcome.ephemeral, "only the member sees it");
    assert.equal(await generationCount(h), before, "nothing was queued or charged");
  });
});
