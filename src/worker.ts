/**
 * `npm run worker`: a GPU worker of the distributed mode (docs/deploy.md). Needs REDIS_URL, the shared
 * DATABASE_URL and results folder; no Discord token (it stores results, the bot processes post them).
 */
import dotenv from "dotenv";
import { createLogger } from "./logger.ts";
import { catalogNameOf, configOrExit, handleSignals, runEntry, startupModelOrExit } from "./process-entry.ts";

dotenv.config({ quiet: true });

async function main(): Promise<number | undefined> {
  const config = configOrExit();
  if (!config.redisUrl) {
    console.error("A worker needs REDIS_URL (the fleet's Redis), with the bot processes' DATABASE_URL and RESULT_STORE_DIR. See docs/deploy.md.");
    return 1;
  }
  const logger = createLogger(config.logLevel, { secrets: [config.discordToken, config.hfToken] });
  const model = await startupModelOrExit(config);
  const { startWorker } = await import("./fleet/start-worker.ts");
  // Published and recorded by the name the bot processes' members pick (see src/fleet/published-models.ts).
  const catalogName = catalogNameOf(model);
  const worker = await startWorker({ config, logger, modelDir: model.dir, ...(catalogName !== undefined && { modelName: catalogName }) });
  handleSignals(logger, "worker stopping; its running job goes back to the fleet's queue", () => worker.stop());
  return undefined;
}

runEntry(main);
