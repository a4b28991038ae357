/**
 * Registers the bot's commands with Discord: `npm run deploy-commands -- --guild ID` (instant, one server) or
 * without --guild (global). Run it when commands change, not on every start (Discord limits creates per day).
 */
import { parseArgs } from "node:util";
import { REST, Routes } from "discord.js";
import dotenv from "dotenv";
import { loadConfig } from "../src/config.ts";
import { loadCommands } from "../src/discord/load-commands.ts";

dotenv.config({ quiet: true });
const { values } = parseArgs({ options: { guild: { type: "string" } } });
const config = loadConfig();
if (!config.discordToken || !config.discordClientId) {
  console.error("Set DISCORD_TOKEN and DISCORD_CLIENT_ID in .env first (see .env.example).");
  process.exit(1);
}
const commands = await loadCommands((file, reason) => console.error(`skipped ${file}: ${reason}`));
const rest = new REST({ version: "10", ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}) }).setToken(config.discordToken);
const body = [...commands.values()].map((c) => c.data);
const route = values.guild ? Routes.applicationGuildCommands(config.discordClientId, values.guild) : Routes.applicationCommands(config.discordClientId);
const registered = (await rest.put(route, { body })) as unknown[];
console.log(`Registered ${registered.length} commands ${values.guild ? `in server ${values.guild}` : "globally"}: ${body.map((c) => c.name).join(", ")}`);
