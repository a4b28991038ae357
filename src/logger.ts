import { pino, type Logger } from "pino";

/**
 * The bot's logger. Secrets never reach a log line: the token is redacted wherever it appears as a field, and
 * no code passes it to the logger in a message.
 */
export function createLogger(level = "info"): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ["token", "*.token", "config.discordToken", "discordToken", "interactionToken", "*.interactionToken", "headers.authorization"], censor: "[redacted]" },
  });
}

export type { Logger };
