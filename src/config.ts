import { basename, resolve } from "node:path";
import { z } from "zod";
import { PRECISION_SETTINGS, type PrecisionSetting } from "./models/precision.ts";

/** Where the synthesized tiny model lives when MODEL=synthetic (random weights: images are noise). */
export const SYNTHETIC_MODEL_DIR = "data/models/synthetic-tiny";

/** The name the pipeline gives that model (its folder's name) and records with each job: results say it is noise. */
export const SYNTHETIC_MODEL_NAME = basename(SYNTHETIC_MODEL_DIR);

/** The model downloaded on first start when neither MODEL nor MODEL_DIR is set (README, "Getting a model", says why). */
export const DEFAULT_MODEL = "onnx-community/stable-diffusion-v1-5-ONNX";

/** The Hugging Face Hub, when HF_ENDPOINT is not set. */
export const DEFAULT_HUB_URL = "https://huggingface.co";

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
  /** A registered model name, `owner/repo[@revision]` (downloaded on first use), a folder, or `synthetic`. */
  MODEL: z.preprocess(emptyToUndefined, z.string().trim().default(DEFAULT_MODEL)),
  /** Downloaded models and models.json, the registry of named models. */
  MODELS_DIR: z.preprocess(emptyToUndefined, z.string().default("data/models")),
  /** auto: fp16 files on CUDA hosts when the repository has them, else fp32. */
  MODEL_PRECISION: z.preprocess(emptyToUndefined, z.enum(PRECISION_SETTINGS).default("auto")),
  /** Base URL of the hub (a mirror, or the tests' fake), as Python's huggingface_hub reads it. */
  HF_ENDPOINT: z.preprocess(emptyToUndefined, z.url().default(DEFAULT_HUB_URL)),
  /** Hugging Face access token for gated or private repositories. Never logged. */
  HF_TOKEN: z.preprocess(emptyToUndefined, z.string().trim().startsWith("hf_", "must be a Hugging Face access token (it starts with hf_)").optional()),
  /** file: selects SQLite (one machine, the default); postgresql:// selects PostgreSQL (several machines, docs/deploy.md). */
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(file:|postgres(ql)?:\/\/)/i, "must be a SQLite URL such as file:./data/reroll.db or a postgresql:// URL")
      .default("file:./data/reroll.db"),
  ),
  EXECUTION_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["auto", "cuda", "cpu"]).default("auto")),
  CUDA_DEVICE_ID: intFrom(0, 64, 0),
  /** ONNX Runtime's threads per operator; unset: every core but one on CPU (see ort-threads.ts), ORT's own on CUDA. */
  ORT_INTRA_OP_THREADS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1024).optional()),
  /** ONNX Runtime's threads for independent graph branches (> 1: parallel execution mode); unset: sequential. */
  ORT_INTER_OP_THREADS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1024).optional()),
  /** The memory budget in models: how many stay loaded at once (an SD 1.5 pipeline holds about 4 GB). */
  MAX_RESIDENT_MODELS: intFrom(1, 16, 1),
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
  /** Set: the distributed mode (docs/deploy.md): jobs go through Redis, `npm start` runs no model, `npm run worker` does. */
  REDIS_URL: z.preprocess(emptyToUndefined, z.url().refine((url) => /^rediss?:\/\//.test(url), "must be a redis:// or rediss:// URL").optional()),
  /** Prefix of every Redis key of this deployment (two deployments may share one Redis). */
  REDIS_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[\w.-]+$/, "letters, digits, . _ - only").default("reroll")),
  /** A worker that stops renewing its job's lock (killed, frozen) loses the job to another after about this long. */
  WORKER_LOCK_MS: intFrom(1_000, 600_000, 30_000),
  /** Gateway shards of the whole bot: a number, or `auto` (Discord's recommendation). Unset: one, unsharded. */
  SHARD_COUNT: z.preprocess(emptyToUndefined, z.union([z.literal("auto"), z.coerce.number().int().min(1).max(10_000)]).optional()),
  /** Which of them this process runs, e.g. `0,1`. Unset: all. */
  SHARDS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+(\s*,\s*\d+)*$/, "must be shard numbers separated by commas, e.g. 0,1")
      .transform((list) => list.split(",").map(Number))
      .optional(),
  ),
});

export type Config = Readonly<{
  discordToken: string | undefined;
  discordClientId: string | undefined;
  discordApiUrl: string | undefined;
  modelDir: string | undefined;
  /** MODEL: what to run when MODEL_DIR is not set. */
  model: string;
  modelsDir: string;
  modelPrecision: PrecisionSetting;
  /** HF_ENDPOINT without a trailing slash. */
  hubUrl: string;
  /** HF_TOKEN. Never log it. */
  hfToken: string | undefined;
  databaseUrl: string;
  executionProvider: "auto" | "cuda" | "cpu";
  cudaDeviceId: number;
  intraOpThreads: number | undefined;
  interOpThreads: number | undefined;
  maxResidentModels: number;
  maxInputBytes: number;
  maxInputPixels: number;
  inputStoreDir: string;
  resultStoreDir: string;
  attachmentHosts: string[];
  /** The configured extra hosts (tests), which may serve plain http. */
  extraAttachmentHosts: string[];
  logLevel: string;
  /** REDIS_URL: set in the distributed mode only. */
  redisUrl: string | undefined;
  redisPrefix: string;
  workerLockMs: number;
  /** SHARD_COUNT and SHARDS as discord.js takes them; undefined: not sharded. */
  sharding: { shards: number[]; shardCount: number } | "auto" | undefined;
}>;

/** Discord's own CDN hosts: the only places attachments are fetched from in production. */
export const DISCORD_CDN_HOSTS = ["cdn.discordapp.com", "media.discordapp.net"];

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** SHARD_COUNT and SHARDS checked together: every shard listed exists, `auto` runs them all. */
function shardingOf(count: number | "auto" | undefined, shards: number[] | undefined): Config["sharding"] {
  if (count === undefined) {
    if (shards) throw new ConfigError("Invalid configuration (see .env.example):\n  SHARDS: needs SHARD_COUNT (how many shards the whole bot has)");
    return undefined;
  }
  if (count === "auto") {
    if (shards) throw new ConfigError("Invalid configuration (see .env.example):\n  SHARDS: needs a number in SHARD_COUNT, not auto");
    return "auto";
  }
  const outside = (shards ?? []).filter((shard) => shard >= count);
  if (outside.length) {
    throw new ConfigError(`Invalid configuration (see .env.example):\n  SHARDS: ${outside.join(", ")} not below SHARD_COUNT (${count}); shards are numbered from 0`);
  }
  return { shards: shards ?? Array.from({ length: count }, (_, i) => i), shardCount: count };
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
    model: c.MODEL,
    modelsDir: resolve(c.MODELS_DIR),
    modelPrecision: c.MODEL_PRECISION,
    hubUrl: c.HF_ENDPOINT.replace(/\/+$/, ""),
    hfToken: c.HF_TOKEN,
    databaseUrl: c.DATABASE_URL,
    executionProvider: c.EXECUTION_PROVIDER,
    cudaDeviceId: c.CUDA_DEVICE_ID,
    intraOpThreads: c.ORT_INTRA_OP_THREADS,
    interOpThreads: c.ORT_INTER_OP_THREADS,
    maxResidentModels: c.MAX_RESIDENT_MODELS,
    maxInputBytes: c.MAX_INPUT_BYTES,
    maxInputPixels: c.MAX_INPUT_PIXELS,
    inputStoreDir: resolve(c.INPUT_STORE_DIR),
    resultStoreDir: resolve(c.RESULT_STORE_DIR),
    attachmentHosts: [...DISCORD_CDN_HOSTS, ...extraHosts],
    extraAttachmentHosts: extraHosts,
    logLevel: c.LOG_LEVEL,
    redisUrl: c.REDIS_URL,
    redisPrefix: c.REDIS_PREFIX,
    workerLockMs: c.WORKER_LOCK_MS,
    sharding: shardingOf(c.SHARD_COUNT, c.SHARDS),
  });
}
