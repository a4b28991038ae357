/**
 * `npm start`: runs the bot. Without a token it says what is missing and how to try the pipeline locally.
 */
import dotenv from "dotenv";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";

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
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  if (!config.discordToken) {
    console.error(`DISCORD_TOKEN is not set.\n\n${NO_TOKEN}`);
    return 1;
  }
  const logger = createLogger(config.logLevel, { secrets: [config.discordToken, config.hfToken] });
  const { ModelError, startupModel } = await import("./models/index.ts");
  let model;
  try {
    model = await startupModel(config);
  } catch (error) {
    // No stack trace for a hub that cannot be reached or a model that cannot be used: the message says what to do.
    if (error instanceof ModelError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const { startBot } = await import("./app.ts");
  // A catalog model is recorded by its catalog name; MODEL_DIR and the synthesized model keep the folder's own name
  // (the synthetic one's is what result cards recognise to say its images are noise).
  const catalogName = model.synthetic || model.name === model.dir ? undefined : model.name;
  const bot = await startBot({ config, logger, modelDir: model.dir, ...(catalogName !== undefined && { modelName: catalogName }) });
  const shutdown = async (signal: string) => {
    // The running job stops after its current step (a second Ctrl-C, back to the default handler, exits at once).
    logger.info({ signal }, "shutting down; unfinished jobs resume at the next start");
    try {
      await bot.stop();
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  // The process never dies on a user's input; a stray rejection is logged, not fatal.
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
  // Node would print an uncaught error whole (a discord.js error's url carries an interaction token): log it
  // through the scrubbing logger instead, then exit as Node would; unfinished jobs resume at the next start.
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    process.exit(1);
  });
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
