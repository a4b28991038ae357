import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DiscordFake } from "../discord-fake/index.ts";
import { filesOf, OPTION, testImage, until } from "../bot/harness.ts";
import { REPO, startHubWithModel } from "./hub-model.ts";
import { runScript } from "./cli-runner.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("npm start against the local hub: a corrupted file stops it with a clear message; the next start resumes a cut download, verifies and answers /img2img", { timeout: 240_000 }, async () => {
  const { hub, modelsDir } = await startHubWithModel();
  const fake = await DiscordFake.start({ heartbeatIntervalMs: 2000 });
  const dir = await mkdtemp(join(tmpdir(), "reroll-start-download-"));
  const guild = fake.addGuild({ name: "test server" });
  const channel = fake.addChannel(guild.id, { name: "art" });
  const user = fake.addUser({ username: "alice" });
  fake.addMember(guild.id, user.id);
  const env = {
    DISCORD_TOKEN: fake.token,
    DISCORD_CLIENT_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    DATABASE_URL: `file:${join(dir, "reroll.db")}`,
    INPUT_STORE_DIR: join(dir, "inputs"),
    RESULT_STORE_DIR: join(dir, "results"),
    EXTRA_ATTACHMENT_HOSTS: "127.0.0.1",
    EXECUTION_PROVIDER: "cpu",
    HF_ENDPOINT: hub.hubUrl,
    MODELS_DIR: modelsDir,
    MODEL: REPO,
  };
  const child = { current: undefined as ReturnType<typeof spawn> | undefined };
  try {
    hub.corrupt(REPO, "unet/weights.pb");
    const refused = await runScript("src/index.ts", [], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /unet\/weights\.pb failed verification: expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64}\. The file was deleted/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /);

    hub.repair(REPO, "unet/weights.pb");
    hub.cutOnce(REPO, "unet/weights.pb", 200_000);
    const started = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", MODEL_DIR: "", HF_TOKEN: "", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.current = started;
    let output = "";
    started.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    started.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await until(() => fake.identifyCount === 1 || started.exitCode !== null, "the bot to log in", 120_000);
    assert.equal(started.exitCode, null, output);
    assert.match(output, new RegExp(`Downloading ${REPO}@main \\(fp32\\) from ${hub.hubUrl.replace(/\./g, "\\.")}`));
    // Three transfers of the weights: the corrupted one, the one cut after 200 kB, and the resume from what was kept.
    const ranges = hub.contentRanges(REPO, "unet/weights.pb");
    assert.equal(ranges.length, 3, ranges.join(", "));
    const resumedAt = Number(/^bytes=(\d+)-/.exec(ranges[2] ?? "")?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 200_000, `the cut file was not resumed: ${ranges.join(", ")}`);

    const attachment = fake.addAttachment(await testImage(), { filename: "input.jpg", contentType: "image/jpeg" });
    const interaction = fake.sendSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      name: "img2img",
      options: [
        { name: "image", type: OPTION.attachment, value: attachment.id },
        { name: "prompt", type: OPTION.string, value: "a red square, oil painting" },
        { name: "steps", type: OPTION.integer, value: 4 },
      ],
      attachments: [attachment],
    });
    const reply = `/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`;
    const result = await fake.waitForCall((c) => c.method === "PATCH" && c.route.includes(reply) && filesOf(c).length > 0, 120_000);
    assert.equal(filesOf(result)[0]?.data.subarray(1, 4).toString(), "PNG");
  } finally {
    if (child.current && child.current.exitCode === null) {
      const exited = new Promise((resolve) => child.current!.once("exit", resolve));
      child.current.kill("SIGTERM");
      await exited;
    }
    await fake.stop();
    await hub.close();
    await rm(dir, { recursive: true, force: true });
    await rm(modelsDir, { recursive: true, force: true });
  }
});
