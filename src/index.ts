/**
 * `npm start`: runs the bot. Without a token it says what is missing and how to try the pipeline locally.
 */
import dotenv from "dotenv";
import { createLogger } from "./logger.ts";
import { catalogNameOf, configOrExit, handleSignals, runEntry, startupModelOrExit } from "./process-entry.ts";

dotenv.config({ quiet: true });

const NO_TOKEN = `Reroll needs a Discord bot token to run.

  1. Create an application at https://discord.com/developers/applications, add a bot, copy its token.
  2. cp .env.example .env   and set DISCORD_TOKEN and DISCORD_CLIENT_ID (the model downloads on first start).
  3. npm run deploy-commands -- --guild YOUR_SERVER_ID
  4. npm start

To try the diffusion pipeline without Discord:
  npm run generate -- --prompt "a watercolor fox" --out fox.png
  npm run generate -- --image photo.jpg --prompt "oil painting" --strength 0.6 --out painted.png
`;

/** Resolves with an exit code when there is nothing to run, or undefined once the bot is up and running. */
async function main(): Promise<number | undefined> {
  const config = configOrExit();
  if (!config.discordToken) {
    console.error(`DISCORD_TOKEN is not set.\n\n${NO_TOKEN}`);
    return 1;
  }
  const logger = createLogger(config.logLevel, { secrets: [config.discordToken, config.hfToken] });
  // The distributed mode (REDIS_URL): the fleet's workers hold the models and publish what they serve; this process
  // needs no model folder, nor the hub.
  const model = config.redisUrl ? undefined : await startupModelOrExit(config);
  const { startBot } = await import("./app.ts");
  const catalogName = model && catalogNameOf(model);
  const bot = await startBot({ config, logger, ...(model && { modelDir: model.dir }), ...(catalogName !== undefined && { modelName: catalogName }) });
  // The running job stops after its current step and resumes at the next start.
  handleSignals(logger, "shutting down; unfinished jobs resume at the next start", () => bot.stop());
  return undefined;
}

runEntry(main);
