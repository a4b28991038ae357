/**
 * A bot process of the distributed mode (`npm start` with REDIS_URL) for tests that kill it: the real startBot,
 * configured by the environment, no model folder (the fleet's workers run jobs and publish their models). Prints
 * `ready` once logged in and resumed.
 */
import { startBot } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";

const config = loadConfig();
if (!config.redisUrl) throw new Error("bot-process.ts is for the distributed mode: set REDIS_URL");
const bot = await startBot({ config, logger: createLogger(config.logLevel), editIntervalMs: 50 });
process.stdout.write("ready\n");
process.once("SIGTERM", () => void bot.stop().then(() => process.exit(0)));
