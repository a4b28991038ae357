// Which model a request runs on: the member's pick, else the server's default, else the bot's own; a reroll runs on
// the model its original was made with (name and commit), or is refused with why when that model is gone.

import type { GuildLimits } from "../db/types.ts";
import type { InstalledModel } from "../models/installed-models.ts";
import { refuse, type Refusal } from "./policy/index.ts";

/** A model as requests name and record it (see modelLabel); where its files live is the catalog's business. */
export type CatalogModel = Pick<InstalledModel, "name" | "commit">;

/**
 * The models members may pick, as the bot knows them: this machine's folders (InstalledModels, one process) or what
 * the fleet's workers publish (FleetModels, the distributed mode). A method given a model is given one this same
 * catalog returned.
 */
export interface ModelCatalog {
  /** The bot's own default first, then the others by name. */
  list(): Promise<CatalogModel[]>;
  /** The model called `name`, if any. */
  find(name: string): Promise<CatalogModel | undefined>;
  /** The model a generation recorded (name and commit), or why it cannot be used now. */
  findRecorded(label: string): Promise<{ ok: true; model: CatalogModel } | { ok: false; message: string }>;
  /** The bot's own default; undefined when there is none yet (a fleet none of whose workers has published). */
  defaultModel(): Promise<CatalogModel | undefined>;
  /** Whether the model has a safety checker (what `/limits show` reports). */
  hasSafetyChecker(model: CatalogModel): Promise<boolean>;
}

/**
 * Said when the catalog is empty: a fleet none of whose workers has published its models yet (none has ever started,
 * or the fleet's Redis restarted empty a moment ago and they have not published again).
 */
export const NO_MODEL_YET = "No model is available yet: none of the bot's GPU workers has announced its models. Nothing was charged; please try again in a minute.";

export interface ModelChoice {
  /** The model the member named (`model` option). */
  picked?: string;
  /** The recorded model of the generation this one remakes (see modelLabel): it must be used, or the request refused. */
  recorded?: string;
}

export async function chooseModel(
  catalog: Omit<ModelCatalog, "hasSafetyChecker">,
  choice: ModelChoice,
  settings: Pick<GuildLimits, "defaultModel">,
): Promise<{ ok: true; model: CatalogModel } | Refusal> {
  if (choice.recorded !== undefined) {
    const found = await catalog.findRecorded(choice.recorded);
    return found.ok ? { ok: true, model: found.model } : refuse("model", found.message);
  }
  const name = choice.picked ?? (settings.defaultModel || undefined);
  if (name === undefined) {
    const model = await catalog.defaultModel();
    return model ? { ok: true, model } : refuse("model", NO_MODEL_YET);
  }
  const model = await catalog.find(name);
  if (model) return { ok: true, model };
  const models = await catalog.list();
  if (models.length === 0) return refuse("model", NO_MODEL_YET);
  const installed = [...new Set(models.map((m) => m.name))].map((n) => `\`${n}\``).join(", ");
  const shown = name.length > 64 ? `${name.slice(0, 63)}…` : name;
  const problem =
    choice.picked !== undefined
      ? `No model called \`${shown}\` is installed.`
      : `This server's default model \`${shown}\` is no longer installed (an admin can pick another with \`/limits set default_model\`).`;
  return refuse("model", `${problem} Installed models: ${installed}.`);
}
