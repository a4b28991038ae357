import { Redis } from "ioredis";
import { z } from "zod";
import { SCHEDULER_NAMES, type GenerationDefaults } from "../inference/index.ts";
import { modelLabel } from "../models/installed-models.ts";

/**
 * What a worker tells the fleet about one model it serves: everything a bot process decides or shows about it
 * (defaults, autocomplete, `/limits show`) without its files.
 */
export interface ModelDescription {
  /** The name members pick; with `commit`, what jobs record (see modelLabel). */
  name: string;
  /** The hub commit the worker's folder holds; absent for a local folder. */
  commit?: string;
  /** Where a hub model was downloaded from; absent for a local folder. */
  source?: { repo: string; revision: string };
  /** Its family, e.g. `{ name: "sd-turbo", label: "SD-Turbo" }`. */
  family: { name: string; label: string };
  /** What the options a member leaves empty become on it (its family's). */
  defaults: GenerationDefaults;
  /** Whether its folder has a safety checker (without one nothing is ever flagged). */
  safetyChecker: boolean;
  /** The model a worker started with (its MODEL or MODEL_DIR). */
  startup: boolean;
}

/** A model as the fleet's catalog holds it. */
export interface PublishedModel extends ModelDescription {
  /** Whether any worker started with it (ever: see FleetModels for how the bot's default is chosen). */
  startup: boolean;
  /** When a worker serving it last published (ms since the epoch). Kept, never expired: see {@link PublishedModels}. */
  lastSeenAt: number;
}

const Defaults = z.object({
  scheduler: z.enum(SCHEDULER_NAMES),
  steps: z.number().int().positive(),
  guidanceScale: z.number().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  img2img: z.object({ steps: z.number().int().positive(), strength: z.number().gt(0).lte(1) }).optional(),
  lcmDistilled: z.literal(true).optional(),
});

/** Compiles only while Defaults reads every field of GenerationDefaults (zod drops the keys it does not know). */
const readsEveryDefault: [Exclude<keyof GenerationDefaults, keyof z.infer<typeof Defaults>>] extends [never] ? true : never = true;
void readsEveryDefault;

const Stored = z.object({
  name: z.string().min(1),
  commit: z.string().optional(),
  source: z.object({ repo: z.string(), revision: z.string() }).optional(),
  family: z.object({ name: z.string(), label: z.string() }),
  defaults: Defaults,
  safetyChecker: z.boolean(),
  lastSeenAt: z.number(),
});

export interface PublishedModelsOptions {
  redisUrl: string;
  /** The fleet's key prefix (REDIS_PREFIX). */
  prefix: string;
  /** Told about an entry it skips (written by another version, or damaged). */
  onInvalid?: (label: string, problem: string) => void;
}

/**
 * The fleet's model catalog in Redis: each worker publishes the models it serves (src/fleet/model-publisher.ts), and
 * bot processes, which hold no model files, read names and defaults from it (src/fleet/fleet-models.ts).
 *
 * Two hashes under the prefix, keyed by the model's label (name@commit): the descriptions, and when a worker last
 * started with each. Nothing expires: a model whose workers are all down for a while stays known (and its jobs wait
 * for them), with its `lastSeenAt` telling how long ago. A Redis that lost them gets them back at the workers' next
 * publish.
 */
export class PublishedModels {
  readonly #redis: Redis;
  readonly #models: string;
  readonly #startup: string;
  readonly #onInvalid: PublishedModelsOptions["onInvalid"];

  constructor(options: PublishedModelsOptions) {
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#models = `${options.prefix}:fleet:models`;
    this.#startup = `${options.prefix}:fleet:startup-models`;
    this.#onInvalid = options.onInvalid;
  }

  /** Records (or refreshes) what one worker serves, seen now. */
  async publish(models: readonly ModelDescription[], now = Date.now()): Promise<void> {
    if (models.length === 0) return;
    const multi = this.#redis.multi();
    for (const { startup, ...model } of models) {
      const label = modelLabel(model);
      multi.hset(this.#models, label, JSON.stringify({ ...model, lastSeenAt: now }));
      if (startup) multi.hset(this.#startup, label, String(now));
    }
    await multi.exec();
  }

  /** Every model any worker has published, in no particular order. */
  async read(): Promise<PublishedModel[]> {
    const [models, startup] = await Promise.all([this.#redis.hgetall(this.#models), this.#redis.hgetall(this.#startup)]);
    const read: PublishedModel[] = [];
    for (const [label, json] of Object.entries(models)) {
      const parsed = Stored.safeParse(parseJson(json));
      if (!parsed.success) {
        this.#onInvalid?.(label, parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "));
        continue;
      }
      read.push({ ...parsed.data, startup: label in startup });
    }
    return read;
  }

  close(): void {
    this.#redis.disconnect();
  }
}

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

