import { resolve } from "node:path";
import { z } from "zod";

/** Where the synthesized tiny model lives when MODEL_DIR is not set (random weights: images are noise). */
export const SYNTHETIC_MODEL_DIR = "data/models/synthetic-tiny";

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const intFrom = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const snowflake = z.preprocess(emptyToUndefined, z.string().regex(/^\d{17,20}$/, "must be a Discord id (17–20 digits)").optional());

/** Every setting the bot reads from the environment (and `.env`), with its default. */
const ConfigSchema = z.object({
  DISCORD_TOKEN: optionalString,
  DISCORD_CLIENT_ID: snowflake,
  /** Tests point discord.js at the local Discord API fake; never set in production. */
  DISCORD_API_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  MODEL_DIR: optionalString,
  DATABASE_URL: z.preprocess(emptyToUndefined, z.string().startsWith("file:", "must be a SQLite URL such as file:./data/reroll.db").default("file:./data/reroll.db")),
  EXECUTION_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["auto", "cuda", "cpu"]).default("auto")),
  CUDA_DEVICE_ID: intFrom(0, 64, 0),
  /** Input attachments larger than this are refused while downloading. */
  MAX_INPUT_BYTES: intFrom(1024, 100 * 1024 * 1024, 10 * 1024 * 1024),
  /** Decompression-bomb guard: width × height of an input image. */
  MAX_INPUT_PIXELS: intFrom(1024, 400_000_000, 40_000_000),
  /** Normalized inputs are kept here by content hash so rerolls work after attachment URLs expire. */
  INPUT_STORE_DIR: z.preprocess(emptyToUndefined, z.string().default("data/inputs")),
  /** Finished images wait here until posted, so a Discord outage or a crash between the two loses nothing. */
  RESULT_STORE_DIR: z.preprocess(emptyToUndefined, z.string().default("data/results")),
  /** Extra hosts (besides Discord's CDN) that attachments may come from: for tests only. */
  EXTRA_ATTACHMENT_HOSTS: z.preprocess(emptyToUndefined, z.string().default("")),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
});

export type Config = Readonly<{
  discordToken: string | undefined;
  discordClientId: string | undefined;
  discordApiUrl: string | undefined;
  modelDir: string | undefined;
  databaseUrl: string;
  executionProvider: "auto" | "cuda" | "cpu";
  cudaDeviceId: number;
  maxInputBytes: number;
  maxInputPixels: number;
  inputStoreDir: string;
  resultStoreDir: string;
  attachmentHosts: string[];
  /** The configured extra hosts (tests), which may serve plain http. */
  extraAttachmentHosts: string[];
  logLevel: string;
}>;

/** Discord's own CDN hosts: the only places attachments are fetched from in production. */
export const DISCORD_CDN_HOSTS = ["cdn.discordapp.com", "media.discordapp.net"];

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The only reader of process.env. Throws ConfigError listing every bad setting at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  const extraHosts = c.EXTRA_ATTACHMENT_HOSTS.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
  return Object.freeze({
    discordToken: c.DISCORD_TOKEN,
    discordClientId: c.DISCORD_CLIENT_ID,
    discordApiUrl: c.DISCORD_API_URL,
    modelDir: c.MODEL_DIR ? resolve(c.MODEL_DIR) : undefined,
    databaseUrl: c.DATABASE_URL,
    executionProvider: c.EXECUTION_PROVIDER,
    cudaDeviceId: c.CUDA_DEVICE_ID,
    maxInputBytes: c.MAX_INPUT_BYTES,
    maxInputPixels: c.MAX_INPUT_PIXELS,
    inputStoreDir: resolve(c.INPUT_STORE_DIR),
    resultStoreDir: resolve(c.RESULT_STORE_DIR),
    attachmentHosts: [...DISCORD_CDN_HOSTS, ...extraHosts],
    extraAttachmentHosts: extraHosts,
    logLevel: c.LOG_LEVEL,
  });
}
