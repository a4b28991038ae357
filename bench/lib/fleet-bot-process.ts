/**
 * A bot process of the distributed mode for the fleet benches: `npm start`'s composition root (the real startBot,
 * configured by the environment: REDIS_URL, a postgresql:// DATABASE_URL, SHARD_COUNT/SHARDS) with the production
 * status-edit interval. Only the startup model is left out: the fleet's workers run the jobs, and the stand-in
 * workers (test/fleet/stand-in-worker.ts) record the same model name. Prints `ready` once logged in.
 */
import { startBot } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";

const config = loadConfig();
if (!config.redisUrl) throw new Error("fleet-bot-process.ts is for the distributed mode: set REDIS_URL");
const bot = await startBot({ config, logger: createLogger(config.logLevel), modelDir: "", modelName: "stand-in" });
process.stdout.write("ready\n");
process.once("SIGTERM", () => void bot.stop().then(() => process.exit(0)));
