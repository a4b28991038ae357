import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createDb, findById, type Db } from "../../src/db/index.ts";
import { readModelDefaults, SD15_FAMILY, type GenerationDefaults } from "../../src/inference/index.ts";
import { NO_MODEL_YET } from "../../src/services/choose-model.ts";
import { OPTION, filesOf, payloadOf, refusalOf, runCommand, startHarness, subcommandOptions, testImage, until, waitForOutcome, type Harness } from "../bot/harness.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { TEST_REDIS_URL, redisUnavailable, testPrefix } from "./redis-test-env.ts";
import { botEnv, startWorkerProcess, workerEnv, type WorkerProcess } from "./worker-process.ts";

const skip = await redisUnavailable();
if (skip) console.log(`# bot-without-model: ${skip}`);

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * `npm start` in the distributed mode on a machine with no model and no hub (issue 13: the bot processes run the
 * Discord side only): it starts, takes commands, and fills the options a member leaves empty with the defaults a
 * worker published for its model (here an SD-Turbo folder: 1 step, where SD 1.5 takes 30).
 */
describe("a fleet's bot process needs no model on its disk", { skip }, () => {
  let h: Harness;
  let env: ReturnType<typeof testPrefix>;
  let db: Db;
  let modelsDir: string;
  let bot: ChildProcess | undefined;
  let botOutput = "";
  let worker: WorkerProcess | undefined;
  let turbo: GenerationDefaults;
  /** A worker whose stand-in model has the synthesized SD-Turbo folder's files (its name, family, defaults). */
  let turboWorkerEnv: NodeJS.ProcessEnv;
  before(async () => {
    env = testPrefix();
    h = await startHarness({ env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: env.prefix } });
    await h.bot.stop(); // the bot under test is a real `npm start` process
    db = createDb(h.config.databaseUrl);
    modelsDir = await mkdtemp(join(tmpdir(), "reroll-no-models-"));
    const turboDir = await syntheticModel("tiny-turbo");
    turbo = await readModelDefaults(turboDir);
    assert.notEqual(turbo.steps, SD15_FAMILY.defaults.steps, "the worker's model's defaults differ from SD 1.5's");

    const identified = h.fake.identifyCount;
    // MODEL left at its default (a hub repository), an empty MODELS_DIR and a hub nobody answers at.
    bot = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: ROOT,
      env: botEnv(h.config, { MODELS_DIR: modelsDir, HF_ENDPOINT: "http://127.0.0.1:9", EXTRA_ATTACHMENT_HOSTS: "127.0.0.1" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot.stdout?.on("data", (chunk: Buffer) => (botOutput += chunk.toString()));
    bot.stderr?.on("data", (chunk: Buffer) => (botOutput += chunk.toString()));
    await until(() => h.fake.identifyCount > identified || bot?.exitCode !== null, "the bot to log in", 60_000);
    assert.equal(bot.exitCode, null, `npm start exited:\n${botOutput}`);
    turboWorkerEnv = workerEnv(h.config, { MODEL_DIR: turboDir });
  });
  after(async () => {
    if (process.env.REROLL_TEST_LOG) console.error(botOutput, worker?.lines.join("\n"));
    await worker?.kill9();
    bot?.kill("SIGKILL");
    await db?.close();
    await h?.fake.stop();
    await env?.cleanup();
    if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
  });

  const txt2img = (prompt: string, model?: string) =>
    h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[0]!.id,
      name: "txt2img",
      options: [{ name: "prompt", type: OPTION.string, value: prompt }, ...(model ? [{ name: "model", type: OPTION.string, value: model }] : [])],
    });
  const generations = () => db.prisma.generation.count({ where: { guildId: h.guild.id } });

  test("before any worker ever published its models: a clear refusal, nothing charged", async () => {
    const refused = refusalOf(await waitForOutcome(h, txt2img("too early")));
    assert.equal(refused, NO_MODEL_YET);
    assert.equal(await generations(), 0, "nothing recorded nor charged");
  });

  test("a worker's result, made with the defaults it published; a model it does not serve is refused", async () => {
    worker = await startWorkerProcess(turboWorkerEnv); // ready: its models are published

    const interaction = txt2img("turbo defaults");
    const outcome = await waitForOutcome(h, interaction);
    assert.ok("queued" in outcome, `queued (${JSON.stringify(outcome)})`);
    await until(async () => (await findById(db, outcome.queued))?.status === "done", "the result posted", 30_000);
    const record = await findById(db, outcome.queued);
    assert.equal(record?.model, "stand-in", "the model the worker published");
    assert.deepEqual(
      { steps: record?.steps, guidance: record?.guidance, scheduler: record?.scheduler },
      { steps: turbo.steps, guidance: turbo.guidanceScale, scheduler: turbo.scheduler },
      "the published SD-Turbo defaults",
    );
    // Edits Discord accepted: one it refused (429) discord.js sends again, and it posted nothing.
    const posts = h.fake.calls.filter((c) => c.method === "PATCH" && c.status < 300 && c.route.includes(interaction.token) && filesOf(c).length > 0);
    assert.equal(posts.length, 1, "one result posted");
    assert.ok(worker.lines.includes("generating turbo defaults"), "made by the worker");

    // /img2img takes the family's own img2img defaults (SD-Turbo: 2 steps at 0.5), published too.
    const attachment = h.fake.addAttachment(await testImage(), { filename: "input.jpg", contentType: "image/jpeg" });
    const img2img = h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[1]!.id,
      name: "img2img",
      options: [
        { name: "image", type: OPTION.attachment, value: attachment.id },
        { name: "prompt", type: OPTION.string, value: "turbo img2img" },
      ],
      attachments: [attachment],
    });
    const queued = await waitForOutcome(h, img2img);
    assert.ok("queued" in queued, `img2img queued (${JSON.stringify(queued)})`);
    await until(async () => (await findById(db, queued.queued))?.status === "done", "the img2img result posted", 30_000);
    const redrawn = await findById(db, queued.queued);
    assert.deepEqual({ steps: redrawn?.steps, strength: redrawn?.strength }, { steps: turbo.img2img?.steps, strength: turbo.img2img?.strength });

    const before = await generations();
    const refused = refusalOf(await waitForOutcome(h, txt2img("another model", "sdxl")));
    assert.match(refused, /No model called `sdxl` is installed\. Installed models: `stand-in`\./);
    assert.equal(await generations(), before, "nothing recorded nor charged");

    assert.deepEqual(await readdir(modelsDir), [], "the bot downloaded nothing");
    assert.doesNotMatch(botOutput, /Downloading/);
  });

  test("the model option's autocomplete and /limits show come from the catalog too", async () => {
    const interaction = h.fake.sendAutocomplete({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: h.users[0]!.id,
      name: "txt2img",
      options: [{ name: "model", type: OPTION.string, value: "", focused: true }] as never,
    });
    const call = await h.fake.waitForCall((c) => c.method === "POST" && c.route === `/interactions/${interaction.id}/${interaction.token}/callback`);
    const choices = (payloadOf(call) as { data?: { choices?: Array<{ name: string; value: string }> } }).data?.choices ?? [];
    assert.deepEqual(choices, [{ name: "stand-in (bot default)", value: "stand-in" }]);

    const shown = await runCommand(h, { name: "limits", options: subcommandOptions("show") });
    const text = JSON.stringify(shown.embeds);
    assert.match(text, /the bot's \(stand-in\)/, "the bot's default model is the one the worker published");
    assert.match(text, /no safety checker/, "the worker's SD-Turbo folder has none, and said so");
  });
});
