import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addModel } from "../../src/models/index.ts";
import type { GenerationRequest as InferenceRequest } from "../../src/inference/index.ts";
import type { InferenceBackend } from "../../src/services/generation-service.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { FakeInference, OPTION, sendTxt2Img, startHarness, until, waitForInteractionResult, waitForOutcome, type Harness } from "./harness.ts";

/** The stand-in model, reporting a 60-second load whenever a job names another folder than the last one. */
class SwitchingInference extends FakeInference {
  loaded = "startup";
  override generate(request: InferenceRequest, hooks: Parameters<InferenceBackend["generate"]>[1]) {
    const dir = request.modelDir ?? "startup";
    if (dir !== this.loaded) hooks.onModelLoaded?.({ modelDir: dir, ms: 60_000 });
    this.loaded = dir;
    return super.generate(request, hooks);
  }
}

describe("ETAs include the measured load time of a model switch", () => {
  let h: Harness;
  let modelsDir: string;
  const inference = new SwitchingInference();
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "reroll-models-"));
    const settings = { modelsDir, precision: "fp32" as const, hub: { hubUrl: "http://127.0.0.1:9" } };
    await addModel(settings, await syntheticModel("tiny"), "alpha");
    await addModel(settings, await syntheticModel("tiny-optimum"), "beta");
    h = await startHarness({ inference, modelDir: await syntheticModel("tiny"), modelName: "alpha", env: { MODELS_DIR: modelsDir } });
  });
  after(async () => {
    await h.stop();
    await rm(modelsDir, { recursive: true, force: true });
  });

  test("a job waiting for another model than the loaded one is expected later by that model's last load time", async () => {
    const beta = [{ name: "model", type: OPTION.string, value: "beta" }];
    // A first beta job measures beta's load (60 s, reported by the stand-in).
    await waitForInteractionResult(h, sendTxt2Img(h, { prompt: "warm beta", extra: beta }));
    assert.equal(h.bot.ctx.generations.modelLoadMs.get("beta"), 60_000);

    inference.hanging.add("hold alpha");
    const hold = await waitForOutcome(h, sendTxt2Img(h, { prompt: "hold alpha", extra: [{ name: "model", type: OPTION.string, value: "alpha" }] }));
    await until(() => inference.prompts.includes("hold alpha"), "the alpha job to start");
    const onBeta = await waitForOutcome(h, sendTxt2Img(h, { prompt: "next on beta", extra: beta }));
    const onAlpha = await waitForOutcome(h, sendTxt2Img(h, { prompt: "next on alpha", userId: h.users[1]!.id }));
    assert.ok("queued" in onBeta && "queued" in onAlpha && "queued" in hold);
    const eta = (id: number) => h.bot.ctx.generations.queue.etaMs(String(id)) ?? -1;
    assert.ok(eta(onBeta.queued) >= 60_000, `the beta job waits for beta's load: ${eta(onBeta.queued)} ms`);
    assert.ok(eta(onAlpha.queued) < 60_000, `the alpha job (batched before the switch) does not: ${eta(onAlpha.queued)} ms`);
    await h.bot.ctx.generations.cancel(hold.queued, { userId: h.users[0]!.id, guildId: h.guild.id, managesGuild: async () => false });
  });
});
