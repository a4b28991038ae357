/**
 * `npm run worker`: a GPU worker of the distributed mode (docs/deploy.md). Needs REDIS_URL, the shared
 * DATABASE_URL and results folder, and the bot's DISCORD_TOKEN (it posts its results over REST).
 */
import dotenv from "dotenv";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";

dotenv.config({ quiet: true });

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
  if (!config.redisUrl || !config.discordToken) {
    console.error("A worker needs REDIS_URL (the fleet's Redis) and DISCORD_TOKEN (it posts its results). See docs/deploy.md.");
    return 1;
  }
  const logger = createLogger(config.logLevel, { secrets: [config.discordToken, config.hfToken] });
  const { ModelError, startupModel } = await import("./models/index.ts");
  let model;
  try {
    model = await startupModel(config);
  } catch (error) {
    if (error instanceof ModelError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const { startWorker } = await import("./fleet/start-worker.ts");
  const worker = await startWorker({ config, logger, modelDir: model.dir });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, "worker stopping; its running job goes back to the fleet's queue");
    try {
      await worker.stop();
    } catch (error) {
      logger.error({ err: error }, "worker shutdown failed");
      process.exit(1);
    }
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
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
