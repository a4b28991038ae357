/**
 * What `npm start` and `npm run worker` share as processes: reading the configuration and the startup model with
 * plain messages instead of stack traces, stopping cleanly on SIGINT/SIGTERM, and errors that escape everything
 * logged through the scrubbing logger (Node would print them whole: a discord.js error's url carries a token).
 */
import { ConfigError, loadConfig, type Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { StartupModel } from "./models/index.ts";

/** A problem the process explains in one message, then exits with 1. */
class ExitWithMessage extends Error {}

/** The configuration, or a message and exit code 1 for a bad one. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new ExitWithMessage(error.message);
    throw error;
  }
}

/** The model to run (downloaded on first start), or its message — an unreachable hub, a bad folder — and exit 1. */
export async function startupModelOrExit(config: Config): Promise<StartupModel> {
  const { ModelError, startupModel } = await import("./models/index.ts");
  try {
    return await startupModel(config);
  } catch (error) {
    if (error instanceof ModelError) throw new ExitWithMessage(error.message);
    throw error;
  }
}

/**
 * The name a startup model's jobs record, when it is not the folder's own: a catalog model's catalog name. MODEL_DIR
 * and the synthesized model keep the folder's own name (the synthetic one's is what result cards recognise to say
 * its images are noise).
 */
export function catalogNameOf(model: StartupModel): string | undefined {
  return model.synthetic || model.name === model.dir ? undefined : model.name;
}

/**
 * Stops with `stop()` on SIGINT/SIGTERM (a second signal, back to the default handler, exits at once), and logs what
 * would otherwise reach the terminal unscrubbed: a stray rejection is logged and the process goes on (it never dies
 * on a user's input); an uncaught exception is logged and the process exits as Node would.
 */
export function handleSignals(logger: Logger, stopping: string, stop: () => Promise<void>): void {
  const shutdown = async (signal: string) => {
    logger.info({ signal }, stopping);
    try {
      await stop();
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    process.exit(1);
  });
}

/** Runs an entry's `main`: an exit code ends the process, undefined keeps it running. */
export function runEntry(main: () => Promise<number | undefined>): void {
  main().then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
