import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DiscordFake } from "../discord-fake/index.ts";

const run = promisify(execFile);
let fake: DiscordFake;
before(async () => {
  fake = await DiscordFake.start();
});
after(() => fake.stop());

async function deploy(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/deploy-commands.ts", ...args], {
    env: { ...process.env, DISCORD_TOKEN: fake.token, DISCORD_CLIENT_ID: fake.applicationId, DISCORD_API_URL: fake.apiUrl },
  });
  return stdout;
}

test("deploy-commands registers every command in one server, with /limits hidden behind Manage Server", async () => {
  const guild = fake.addGuild();
  const stdout = await deploy(["--guild", guild.id]);
  const call = await fake.waitForCall((c) => c.method === "PUT" && c.route === `/applications/${fake.applicationId}/guilds/${guild.id}/commands`);
  const commands = call.body as Array<{ name: string; type?: number; default_member_permissions?: string | null }>;
  assert.deepEqual(commands.map((c) => c.name).sort(), ["Generation info", "Remix", "cancel", "img2img", "img2img this", "limits", "quota", "txt2img"]);
  assert.equal(commands.find((c) => c.name === "limits")?.default_member_permissions, String(1n << 5n));
  // Message commands (Apps → …) are type 3.
  for (const name of ["Generation info", "Remix", "img2img this"]) assert.equal(commands.find((c) => c.name === name)?.type, 3, name);
  assert.match(stdout, /Registered 8 commands in server/);
  assert.equal(call.headers.authorization, `Bot ${fake.token}`);
});

test("without --guild the commands are registered globally", async () => {
  await deploy([]);
  await fake.waitForCall((c) => c.method === "PUT" && c.route === `/applications/${fake.applicationId}/commands`);
});
