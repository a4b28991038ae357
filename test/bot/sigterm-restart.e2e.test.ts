import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, findById, quotaDay, usageToday } from "../../src/db/index.ts";
import { DiscordFake, type FakeChannel, type FakeGuild, type FakeInteraction } from "../discord-fake/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { OPTION, filesOf, payloadOf, until } from "./harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The result image of an edit (a status edit may carry the live preview, `preview.png`, which is no result). */
const resultFilesOf = (call: Parameters<typeof filesOf>[0]) => filesOf(call).filter((f) => f.filename !== "preview.png");

/** `npm start` as a real process (src/index.ts), logging to a buffer the test can show when it fails. */
function startBotProcess(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe("npm start, SIGTERM mid-run, npm start again", () => {
  let fake: DiscordFake;
  let dir: string;
  let guild: FakeGuild;
  let channel: FakeChannel;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];
  before(async () => {
    fake = await DiscordFake.start({ heartbeatIntervalMs: 2000 });
    dir = await mkdtemp(join(tmpdir(), "reroll-sigterm-"));
    guild = fake.addGuild({ name: "test server" });
    channel = fake.addChannel(guild.id, { name: "art" });
    env = {
      DISCORD_TOKEN: fake.token,
      DISCORD_CLIENT_ID: fake.applicationId,
      DISCORD_API_URL: fake.apiUrl,
      DATABASE_URL: `file:${join(dir, "reroll.db")}`,
      INPUT_STORE_DIR: join(dir, "inputs"),
      RESULT_STORE_DIR: join(dir, "results"),
      MODEL_DIR: await syntheticModel("tiny"),
      EXECUTION_PROVIDER: "cpu",
      LOG_LEVEL: "warn",
    };
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("the job running at SIGTERM stays unfinished and charged (not cancelled), and the next start finishes it once", async () => {
    const user = fake.addUser({ username: "alice" });
    fake.addMember(guild.id, user.id);
    const first = startBotProcess(env);
    children.push(first.child);
    await until(() => fake.identifyCount === 1, "the bot to log in", 60_000).catch((error: Error) => assert.fail(`${error.message}\n${first.output()}`));

    // 50 steps with CFG at 384²: seconds of work, so it is still running when the stop arrives (checked below).
    const interaction: FakeInteraction = fake.sendSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      name: "txt2img",
      options: [
        { name: "prompt", type: OPTION.string, value: "running at SIGTERM" },
        { name: "steps", type: OPTION.integer, value: 50 },
        { name: "width", type: OPTION.integer, value: 384 },
        { name: "height", type: OPTION.integer, value: 384 },
      ],
    });
    const reply = `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`;
    await fake.waitForCall((c) => c.method === "PATCH" && c.route === reply && /Generating/.test(String(payloadOf(c).content)), 60_000);
    first.child.kill("SIGTERM");
    assert.equal(await first.exited, 0, `the bot exits cleanly on SIGTERM\n${first.output()}`);
    assert.equal(fake.calls.filter((c) => c.route === reply && resultFilesOf(c).length > 0).length, 0, "no result before the stop");

    const db = createDb(env.DATABASE_URL!);
    try {
      const record = (await db.prisma.generation.findFirst({ where: { prompt: "running at SIGTERM" } }))!;
      assert.equal(record.status, "running", "left to resume, not cancelled");
      assert.equal(record.charged, true);
    } finally {
      await db.close();
    }

    const second = startBotProcess(env);
    children.push(second.child);
    await fake.waitForCall((c) => c.method === "PATCH" && c.route === reply && c.status === 200 && resultFilesOf(c).length > 0, 180_000);
    const check = createDb(env.DATABASE_URL!);
    try {
      await until(async () => (await check.prisma.generation.findFirst({ where: { prompt: "running at SIGTERM" } }))?.status === "done", "the job to be done");
      const record = (await check.prisma.generation.findFirst({ where: { prompt: "running at SIGTERM" } }))!;
      assert.equal((await findById(check, record.id))?.charged, true);
      assert.equal((await usageToday(check, guild.id, user.id, quotaDay(new Date(), "UTC"))).used, 1, "charged once");
    } finally {
      await check.close();
    }
    assert.equal(fake.calls.filter((c) => c.route === reply && c.status === 200 && resultFilesOf(c).length > 0).length, 1, "one result posted");
    assert.deepEqual(
      fake.calls.filter((c) => c.route.includes(interaction.token) && /cancelled/.test(String(payloadOf(c).content))).map((c) => payloadOf(c).content),
      [],
      "no cancelled message",
    );
    second.child.kill("SIGTERM");
    assert.equal(await second.exited, 0, second.output());
  });
});
