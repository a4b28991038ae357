import type { GenerationDefaults } from "../inference/index.ts";
import { modelLabel, parseModelLabel } from "../models/installed-models.ts";
import { parseModelReference, type ModelReference } from "../models/model-reference.ts";
import type { CatalogModel, ModelCatalog } from "../services/choose-model.ts";
import type { PublishedModel, PublishedModels } from "./published-models.ts";

export interface FleetModelsOptions {
  catalog: Pick<PublishedModels, "read">;
  /**
   * The bot's MODEL: its default model, named as workers are started with it (a name from `models list`, or
   * `owner/repo[@revision]`, matched with the repository a worker downloaded it from).
   */
  defaultModel: string;
  /**
   * How long one read of the catalog serves (a request reads it for its model and again for its defaults).
   * @default 1000
   */
  cacheMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The models of a bot process in the distributed mode: those the fleet's workers published (src/fleet/published-
 * models.ts). This process holds no model files and downloads nothing; each model's defaults, family and safety
 * checker come from the catalog.
 *
 * The bot's default is the published model its MODEL names; when none does (a bot left with the default MODEL
 * beside workers started with another), the first by name of the models workers start with. With nothing published
 * yet there is no default: requests are refused, charging nothing (see chooseModel).
 */
export class FleetModels implements ModelCatalog {
  readonly #options: FleetModelsOptions;
  readonly #now: () => number;
  readonly #reference: ModelReference | undefined;
  #read: { at: number; models: Promise<PublishedModel[]> } | undefined;

  constructor(options: FleetModelsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#reference = referenceOf(options.defaultModel);
  }

  /** The bot's default first, then the others by name (and commit). */
  async list(): Promise<PublishedModel[]> {
    const models = [...(await this.#models())].sort((a, b) => a.name.localeCompare(b.name) || (a.commit ?? "").localeCompare(b.commit ?? ""));
    const chosen = this.#defaultOf(models);
    return chosen ? [chosen, ...models.filter((model) => model !== chosen)] : models;
  }

  /** The model called `name`; of several commits under that name, the one last seen. */
  async find(name: string): Promise<PublishedModel | undefined> {
    return latest((await this.#models()).filter((model) => model.name === name));
  }

  /**
   * The model a generation recorded: the same name at the same commit, or another name holding that commit. One
   * that no worker ever published (or not at that commit) cannot be used.
   */
  async findRecorded(label: string): Promise<{ ok: true; model: PublishedModel } | { ok: false; message: string }> {
    const { name, commit } = parseModelLabel(label);
    const models = await this.#models();
    const found = models.find((m) => m.name === name && m.commit === commit) ?? (commit ? latest(models.filter((m) => m.commit === commit)) : undefined);
    if (found) return { ok: true, model: found };
    return { ok: false, message: `This image was made with the model "${name}"${commit ? ` at commit ${commit.slice(0, 12)}` : ""}, which none of the bot's GPU workers serves, so it cannot be rerolled.` };
  }

  async defaultModel(): Promise<PublishedModel | undefined> {
    return this.#defaultOf(await this.#models());
  }

  async hasSafetyChecker(model: CatalogModel): Promise<boolean> {
    return (await this.#published(model))?.safetyChecker ?? false;
  }

  /** The gate's model defaults: what a worker published for the model (undefined model: the bot's default). */
  async defaults(model: CatalogModel | undefined): Promise<GenerationDefaults | undefined> {
    return (model ? await this.#published(model) : await this.defaultModel())?.defaults;
  }

  async #published(model: CatalogModel): Promise<PublishedModel | undefined> {
    const label = modelLabel(model);
    return (await this.#models()).find((m) => modelLabel(m) === label);
  }

  #defaultOf(models: readonly PublishedModel[]): PublishedModel | undefined {
    const ref = this.#reference;
    const named =
      models.filter((m) => m.name === this.#options.defaultModel).concat(
        ref?.kind === "hub" ? models.filter((m) => m.source?.repo === ref.repo && m.source.revision === ref.revision) : [],
      );
    if (named.length) return latest(named);
    return [...models].filter((m) => m.startup).sort((a, b) => a.name.localeCompare(b.name) || b.lastSeenAt - a.lastSeenAt)[0];
  }

  #models(): Promise<PublishedModel[]> {
    const now = this.#now();
    if (!this.#read || now - this.#read.at >= (this.#options.cacheMs ?? 1000)) {
      const models = this.#options.catalog.read();
      this.#read = { at: now, models };
      // A failed read is not kept, nor an empty one (the fleet's first worker is about to publish): the next request
      // asks Redis again.
      const forget = () => {
        if (this.#read?.models === models) this.#read = undefined;
      };
      models.then((read) => read.length === 0 && forget(), forget);
    }
    return this.#read.models;
  }
}

/** The one of `models` a worker published last. */
function latest(models: readonly PublishedModel[]): PublishedModel | undefined {
  return models.reduce<PublishedModel | undefined>((best, model) => (!best || model.lastSeenAt > best.lastSeenAt ? model : best), undefined);
}

/** MODEL as a hub reference, when it is one (a plain name or a folder path is matched by name only). */
function referenceOf(model: string): ModelReference | undefined {
  try {
    return parseModelReference(model);
  } catch {
    return undefined;
  }
}
