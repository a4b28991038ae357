import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import txt2imgCommand from "../../src/commands/txt2img.ts";
import { addModel, type ModelSettings } from "../../src/models/index.ts";
import { folderDefaultsReader, withModelDefaults } from "../../src/services/model-defaults.ts";
import { findByResultMessageId, type GenerationRecord } from "../../src/db/index.ts";
import {
  cropAndResize,
  decodeImage,
  encodePng,
  fitSize,
  InferenceClient,
  parseParameters,
  readPngText,
  SAMPLER_LABELS,
  SCHEDULER_NAMES,
  type GenerationParameters,
} from "../../src/inference/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import {
  FakeInference,
  filesOf,
  generationCount,
  OPTION,
  refusalOf,
  sendImg2Img,
  startHarness,
  testImage,
  until,
  waitForInteractionResult,
  waitForOutcome,
  type Harness,
} from "./harness.ts";

// The model folder decides what empty options become: the real worker reads the family of the synthesized Turbo
// and LCM folders, and the bot records what actually ran (database, Generation info, the PNG's parameters).

const MANAGE_NOTHING = 0n;

type Option = { name: string; type: number; value: unknown };

/** /txt2img with only the options given (the harness's sendTxt2Img adds steps and a size). */
async function txt2img(h: Harness, options: Option[] = []): Promise<{ job: GenerationRecord; info: string; parameters: GenerationParameters }> {
  const interaction = h.fake.sendSlashCommand({
    guildId: h.guild.id,
    channelId: h.channel.id,
    userId: h.users[0]!.id,
    name: "txt2img",
    options: [{ name: "prompt", type: OPTION.string, value: "a lighthouse at dusk" }, ...options],
  });
  const outcome = await waitForOutcome(h, interaction);
  assert.ok("queued" in outcome, `refused: ${"refused" in outcome ? outcome.refused : ""}`);
  const result = await waitForInteractionResult(h, interaction);
  const messageId = h.fake.interaction(interaction.id).reply!.id;
  const job = await findByResultMessageId(h.bot.ctx.db, messageId);
  assert.ok(job, "the result is recorded");
  const text = readPngText(filesOf(result)[0]!.data).parameters;
  assert.ok(text, "the PNG carries its parameters");
  return { job, info: await generationInfo(h, messageId), parameters: parseParameters(text) };
}

/** What "Generation info" shows on a result. */
async function generationInfo(h: Harness, messageId: string): Promise<string> {
  const interaction = h.fake.sendMessageCommand({
    guildId: h.guild.id,
    channelId: h.channel.id,
    userId: h.users[0]!.id,
    name: "Generation info",
    targetMessageId: messageId,
    permissions: MANAGE_NOTHING,
  });
  const call = await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/interactions/${interaction.id}/${interaction.token}/callback`);
  return String((call.body as { data?: { content?: string } }).data?.content ?? "");
}

describe("what empty options become", () => {
  test("Discord offers every scheduler the pipeline runs, by its readable name", () => {
    const option = txt2imgCommand.data.options?.find((o) => o.name === "scheduler") as { choices?: Array<{ name: string; value: string }> } | undefined;
    assert.deepEqual(
      option?.choices?.map(({ name, value }) => ({ name, value })),
      SCHEDULER_NAMES.map((value) => ({ name: SAMPLER_LABELS[value], value })),
    );
    assert.ok(option?.choices?.some((c) => c.name === "Euler" && c.value === "euler") && option.choices.some((c) => c.name === "LCM"));
  });

  test("a model's default steps and size stay within the server's limits; explicit options are kept as asked", () => {
    const sd2 = { scheduler: "ddim", steps: 30, guidanceScale: 7.5, width: 768, height: 768 } as const;
    assert.deepEqual(withModelDefaults({}, sd2, { maxSteps: 20, maxSide: 700 }), { steps: 20, guidance: 7.5, scheduler: "ddim", width: 640, height: 640 });
    assert.deepEqual(withModelDefaults({ steps: 50, width: 1024, guidance: 0, scheduler: "euler" }, sd2, { maxSteps: 20, maxSide: 700 }), {
      steps: 50,
      guidance: 0,
      scheduler: "euler",
      width: 1024,
      height: 640,
    });
  });
});

test("a folder read with assumptions (no unet/config.json) is said once, and gets SD 1.5's defaults", async () => {
  const told: Array<[string, readonly string[]]> = [];
  const read = folderDefaultsReader((dir, assumed) => told.push([dir, assumed]));
  // An older export: the synthesized folder without its unet/config.json (the synthesizer writes one).
  const dir = await mkdtemp(join(tmpdir(), "reroll-no-unet-config-"));
  try {
    await cp(await syntheticModel("tiny"), dir, { recursive: true });
    await rm(join(dir, "unet", "config.json"));
    assert.deepEqual(await read(dir), { scheduler: "pndm", steps: 30, guidanceScale: 7.5, width: 512, height: 512 });
    await read(dir);
    assert.equal(await read(await syntheticModel("tiny-turbo")).then((d) => d.steps), 1);
    assert.equal(told.length, 1);
    assert.equal(told[0]![0], dir);
    assert.match(told[0]![1].join(" "), /no unet\/config\.json/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("SD-Turbo: empty options take the model's defaults", () => {
  let h: Harness;
  before(async () => {
    // maxSide 256: Turbo's native 512 is capped by the server's max side.
    h = await startHarness({ modelDir: await syntheticModel("tiny-turbo"), limits: { maxSide: 256 } });
  });
  after(() => h.stop());

  test("/txt2img with no options runs 1 Euler step without guidance at the native size capped by max side", async () => {
    const { job, info, parameters } = await txt2img(h);
    assert.deepEqual(
      { steps: job.steps, guidance: job.guidance, scheduler: job.scheduler, width: job.width, height: job.height },
      { steps: 1, guidance: 0, scheduler: "euler", width: 256, height: 256 },
    );
    assert.match(info, /\*\*Steps:\*\* 1 · \*\*Guidance:\*\* 0 · \*\*Scheduler:\*\* euler · \*\*Size:\*\* 256×256/);
    assert.deepEqual(
      { steps: parameters.steps, sampler: parameters.sampler, cfgScale: parameters.cfgScale, width: parameters.width, height: parameters.height },
      { steps: 1, sampler: "Euler", cfgScale: 0, width: 256, height: 256 },
    );
  });

  test("explicit options override the model's defaults, and are recorded as asked", async () => {
    const { job, parameters } = await txt2img(h, [
      { name: "steps", type: OPTION.integer, value: 2 },
      { name: "guidance", type: OPTION.number, value: 1.5 },
      { name: "scheduler", type: OPTION.string, value: "dpm++2m" },
      { name: "width", type: OPTION.integer, value: 192 },
    ]);
    assert.deepEqual(
      { steps: job.steps, guidance: job.guidance, scheduler: job.scheduler, width: job.width, height: job.height },
      { steps: 2, guidance: 1.5, scheduler: "dpm++2m", width: 192, height: 256 },
    );
    assert.deepEqual({ steps: parameters.steps, sampler: parameters.sampler, cfgScale: parameters.cfgScale }, { steps: 2, sampler: "DPM++ 2M", cfgScale: 1.5 });
  });

  test("/img2img where floor(steps × strength) < 1 gets the pipeline's refusal, and nothing is charged", async () => {
    const before = await generationCount(h);
    const interaction = await sendImg2Img(h, {
      extra: [
        { name: "steps", type: OPTION.integer, value: 1 },
        { name: "strength", type: OPTION.number, value: 0.5 },
      ],
    });
    const refusal = refusalOf(await waitForOutcome(h, interaction));
    assert.match(refusal, /strength 0\.5 × 1 steps leaves no denoising step/);
    assert.equal(await generationCount(h), before, "nothing recorded or charged");
  });

  test("/img2img with no options runs Turbo's img2img default: 2 steps at strength 0.5 (one denoising step)", async () => {
    const attachment = h.fake.addAttachment(await testImage(), { filename: "input.jpg", contentType: "image/jpeg" });
    const defaulted = h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[0]!.id,
      name: "img2img",
      options: [
        { name: "image", type: OPTION.attachment, value: attachment.id },
        { name: "prompt", type: OPTION.string, value: "a red square" },
      ],
      attachments: [attachment],
    });
    const outcome = await waitForOutcome(h, defaulted);
    assert.ok("queued" in outcome, `refused: ${"refused" in outcome ? outcome.refused : ""}`);
    await waitForInteractionResult(h, defaulted, 60_000);
    const job = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(defaulted.id).reply!.id);
    assert.deepEqual(
      { kind: job?.kind, steps: job?.steps, strength: job?.strength, guidance: job?.guidance, scheduler: job?.scheduler },
      { kind: "img2img", steps: 2, strength: 0.5, guidance: 0, scheduler: "euler" },
    );
  });
  test("img2img this on Turbo with the form's strength takes Turbo's img2img steps, so it runs", async () => {
    const attachment = h.fake.addAttachment(await testImage(128, 96), { filename: "photo.jpg", contentType: "image/jpeg" });
    const theirs = h.fake.addUserMessage({ channelId: h.channel.id, userId: h.users[1]!.id, content: "my photo", attachments: [attachment] });
    const opened = h.fake.sendMessageCommand({ guildId: h.guild.id, channelId: h.channel.id, userId: h.users[0]!.id, name: "img2img this", targetMessageId: theirs.id });
    await until(() => h.fake.interaction(opened.id).acknowledged, "the modal");
    const submitted = h.fake.submitModal({ interactionId: opened.id, values: { prompt: "as a watercolor", strength: "0.75" } });
    const outcome = await waitForOutcome(h, submitted);
    assert.ok("queued" in outcome, `refused: ${"refused" in outcome ? outcome.refused : ""}`);
    await waitForInteractionResult(h, submitted, 60_000);
    const job = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(submitted.id).reply!.id);
    assert.deepEqual({ kind: job?.kind, steps: job?.steps, strength: job?.strength }, { kind: "img2img", steps: 2, strength: 0.75 });
  });
});

describe("LCM: empty options take the model's defaults", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ modelDir: await syntheticModel("tiny-lcm"), limits: { maxSide: 256 } });
  });
  after(() => h.stop());

  test("/txt2img with no options runs 4 LCM steps", async () => {
    const { job, info, parameters } = await txt2img(h);
    assert.deepEqual({ steps: job.steps, scheduler: job.scheduler, width: job.width }, { steps: 4, scheduler: "lcm", width: 256 });
    assert.match(info, /\*\*Steps:\*\* 4 · .*\*\*Scheduler:\*\* lcm/);
    assert.deepEqual({ steps: parameters.steps, sampler: parameters.sampler }, { steps: 4, sampler: "LCM" });
  });

  test("/img2img decodes a big JPEG shrunk on load: the stored input is within one level of a full decode's", async () => {
    const width = 2400;
    const height = 1600;
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        pixels[i] = (x * 255) / width;
        pixels[i + 1] = (y * 255) / height;
        pixels[i + 2] = 128 + 100 * Math.sin(x / 150) * Math.cos(y / 100);
      }
    }
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const interaction = await sendImg2Img(h, { image: jpeg, extra: [{ name: "steps", type: OPTION.integer, value: 2 }] });
    await waitForInteractionResult(h, interaction, 60_000);
    const job = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(interaction.id).reply!.id);
    const stored = await h.bot.ctx.inputs.get(job!.inputHash!);
    assert.ok(stored, "the normalized input is stored");
    const target = (w: number, h: number) => fitSize(w, h, { maxPixels: 256 * 256, multiple: 64, maxSide: 256 });
    const size = target(width, height);
    // What the bot must store: the shrink-on-load decode, cropped and resized to the target.
    const shrunk = await cropAndResize(await decodeImage(jpeg, { shrinkOnLoadFor: target }), size.width, size.height);
    assert.ok(stored.equals(await encodePng(shrunk)), "the bot decoded the JPEG shrunk on load");
    const full = await cropAndResize(await decodeImage(jpeg), size.width, size.height);
    let sum = 0;
    for (let i = 0; i < full.data.length; i++) sum += Math.abs(full.data[i]! - shrunk.data[i]!);
    assert.ok(sum / full.data.length <= 1, `mean difference from a full decode: ${sum / full.data.length}`);
  });
});

describe("several models: each request takes its own model's defaults", () => {
  let h: Harness;
  let modelsDir: string;
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "reroll-models-"));
    const settings: ModelSettings = { modelsDir, precision: "fp32", hub: { hubUrl: "http://127.0.0.1:9" } };
    await addModel(settings, await syntheticModel("tiny"), "classic");
    await addModel(settings, await syntheticModel("tiny-turbo"), "turbo");
    h = await startHarness({ modelDir: await syntheticModel("tiny"), modelName: "classic", env: { MODELS_DIR: modelsDir }, limits: { maxSide: 256, maxSteps: 40 } });
  });
  after(async () => {
    await h.stop();
    await rm(modelsDir, { recursive: true, force: true });
  });

  test("model:turbo with no options runs Turbo's 1 Euler step; the bot's SD 1.x model keeps 30 PLMS steps (its PNDM)", async () => {
    const turbo = await txt2img(h, [{ name: "model", type: OPTION.string, value: "turbo" }]);
    assert.deepEqual(
      { model: turbo.job.model, steps: turbo.job.steps, guidance: turbo.job.guidance, scheduler: turbo.job.scheduler },
      { model: "turbo", steps: 1, guidance: 0, scheduler: "euler" },
    );
    const classic = await txt2img(h);
    assert.deepEqual(
      { model: classic.job.model, steps: classic.job.steps, guidance: classic.job.guidance, scheduler: classic.job.scheduler },
      { model: "classic", steps: 30, guidance: 7.5, scheduler: "pndm" },
    );
  });
});

describe("a model's defaults are read from its folder, without loading it", () => {
  let h: Harness;
  let modelsDir: string;
  let inference: InferenceClient;
  const loads: string[] = [];
  before(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "reroll-models-"));
    const settings: ModelSettings = { modelsDir, precision: "fp32", hub: { hubUrl: "http://127.0.0.1:9" } };
    await addModel(settings, await syntheticModel("tiny"), "classic");
    await addModel(settings, await syntheticModel("tiny-turbo"), "turbo");
    const modelDir = await syntheticModel("tiny");
    // One resident model: a load for a precheck would evict the startup model before any job asked for another.
    inference = await InferenceClient.start({ modelDir, maxResidentModels: 1, loadOptions: { executionProviders: "cpu" } });
    const load = inference.load.bind(inference);
    inference.load = (dir, hooks) => {
      loads.push(dir);
      return load(dir, hooks);
    };
    h = await startHarness({ modelDir, modelName: "classic", inference, env: { MODELS_DIR: modelsDir }, limits: { maxSide: 256 } });
  });
  after(async () => {
    await h.stop();
    await rm(modelsDir, { recursive: true, force: true });
  });

  test("model:turbo (not resident) with no options takes Turbo's defaults, and nothing loads it before its job", async () => {
    const turbo = await txt2img(h, [{ name: "model", type: OPTION.string, value: "turbo" }]);
    assert.deepEqual(
      { model: turbo.job.model, steps: turbo.job.steps, guidance: turbo.job.guidance, scheduler: turbo.job.scheduler },
      { model: "turbo", steps: 1, guidance: 0, scheduler: "euler" },
    );
    assert.deepEqual(loads, [], "no load was sent to the worker; the job loaded its own folder");
  });
});

describe("a bot process without a local worker (fleet mode) takes the model's defaults from its folder", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ modelDir: await syntheticModel("tiny-turbo"), inference: new FakeInference(), limits: { maxSide: 256 } });
  });
  after(() => h.stop());

  test("/txt2img with no options on a Turbo folder queues 1 Euler step without guidance", async () => {
    // The stand-in backend's PNG carries no parameters: the recorded job is what the bot decided.
    const interaction = h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[0]!.id,
      name: "txt2img",
      options: [{ name: "prompt", type: OPTION.string, value: "a lighthouse at dusk" }],
    });
    await waitForInteractionResult(h, interaction);
    const job = await findByResultMessageId(h.bot.ctx.db, h.fake.interaction(interaction.id).reply!.id);
    assert.ok(job, "the result is recorded");
    assert.deepEqual({ steps: job.steps, guidance: job.guidance, scheduler: job.scheduler }, { steps: 1, guidance: 0, scheduler: "euler" });
  });
});
