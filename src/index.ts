/**
 * `npm start`: runs the bot. Without a token it says what is missing and how to try the pipeline locally.
 */
import dotenv from "dotenv";
import { createLogger } from "./logger.ts";
import { configOrExit, handleSignals, runEntry, startupModelOrExit } from "./process-entry.ts";

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
  const model = await startupModelOrExit(config);
  const { startBot } = await import("./app.ts");
  // A catalog model is recorded by its catalog name; MODEL_DIR and the synthesized model keep the folder's own name
  // (the synthetic one's is what result cards recognise to say its images are noise).
  const catalogName = model.synthetic || model.name === model.dir ? undefined : model.name;
  const bot = await startBot({ config, logger, modelDir: model.dir, ...(catalogName !== undefined && { modelName: catalogName }) });
  // The running job stops after its current step and resumes at the next start.
  handleSignals(logger, "shutting down; unfinished jobs resume at the next start", () => bot.stop());
  return undefined;
}

runEntry(main);
