import { pino, type DestinationStream, type Logger } from "pino";

export interface LoggerOptions {
  /**
   * Values scrubbed from every line wherever they appear: the bot token, the Hugging Face token. Values under 8
   * characters are ignored (they would blank out ordinary words).
   */
  secrets?: readonly (string | undefined)[];
  /** Where lines are written. @default standard output */
  destination?: DestinationStream;
}

const CENSOR = "[redacted]";
const MIN_SECRET_LENGTH = 8;

/**
 * Secrets recognized by their shape, registered or not. discord.js errors carry the interaction token in their
 * `url` (and so in messages and stacks that quote it), and a token gives 15 minutes of posting as the bot.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  // The token segment of webhook and interaction routes: /webhooks/{application}/{token}, /interactions/{id}/{token}.
  /(?<=\/(?:webhooks|interactions)\/\d+\/)[^/?#"\s\\]+/g,
  // An interaction token anywhere else: Discord's are base64 of "interaction:…".
  /aW50ZXJhY3Rpb246[\w.~+=-]*/g,
  // A bot token: base64 user id, timestamp, HMAC.
  /[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}/g,
  // A Hugging Face access token.
  /hf_[A-Za-z0-9]{30,}/g,
];

/** Fields never worth logging: request bodies (message text, uploaded files) and credentials. */
const REDACTED_PATHS = [
  "token",
  "*.token",
  "config.discordToken",
  "config.hfToken",
  "discordToken",
  "hfToken",
  "interactionToken",
  "*.interactionToken",
  "requestBody",
  "*.requestBody",
  "err.cause.requestBody",
  "headers.authorization",
  "headers.Authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
];

/**
 * The bot's logger. Secrets never reach a log line: known fields are redacted, and every finished line (message,
 * serialized errors, nested objects, a child's bindings) is scrubbed of tokens by their shape and of `secrets`.
 */
export function createLogger(level = "info", options: LoggerOptions = {}): Logger {
  const settings = {
    level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    hooks: { streamWrite: scrubber(options.secrets ?? []) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** Replaces every secret in a serialized line, as itself and as JSON escapes it. */
function scrubber(secrets: readonly (string | undefined)[]): (line: string) => string {
  const literals = secrets
    .filter((secret): secret is string => secret !== undefined && secret.length >= MIN_SECRET_LENGTH)
    .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  const patterns = [...TOKEN_PATTERNS];
  if (literals.length > 0) patterns.unshift(new RegExp([...new Set(literals)].map(escapeRegExp).join("|"), "g"));
  return (line) => patterns.reduce((text, pattern) => text.replace(pattern, CENSOR), line);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export type { Logger };
