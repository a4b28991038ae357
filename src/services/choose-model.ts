// Which model a request runs on: the member's pick, else the server's default, else the bot's own; a reroll runs on
// the model its original was made with (name and commit), or is refused with why when that model is gone.

import type { GuildLimits } from "../db/types.ts";
import type { InstalledModel, InstalledModels } from "../models/installed-models.ts";
import { refuse, type Refusal } from "./policy/index.ts";

/** What the gate needs of the installed models. */
export type ModelCatalog = Pick<InstalledModels, "find" | "findRecorded" | "list" | "defaultModel">;

export interface ModelChoice {
  /** The model the member named (`model` option). */
  picked?: string;
  /** The recorded model of the generation this one remakes (see modelLabel): it must be used, or the request refused. */
  recorded?: string;
}

export async function chooseModel(
  catalog: ModelCatalog,
  choice: ModelChoice,
  settings: Pick<GuildLimits, "defaultModel">,
): Promise<{ ok: true; model: InstalledModel } | Refusal> {
  if (choice.recorded !== undefined) {
    const found = await catalog.findRecorded(choice.recorded);
    return found.ok ? { ok: true, model: found.model } : refuse("model", found.message);
  }
  const name = choice.picked ?? (settings.defaultModel || undefined);
  if (name === undefined) return { ok: true, model: await catalog.defaultModel() };
  const model = await catalog.find(name);
  if (model) return { ok: true, model };
  const installed = (await catalog.list()).map((m) => `\`${m.name}\``).join(", ");
  const shown = name.length > 64 ? `${name.slice(0, 63)}…` : name;
  const problem =
    choice.picked !== undefined
      ? `No model called \`${shown}\` is installed.`
      : `This server's default model \`${shown}\` is no longer installed (an admin can pick another with \`/limits set default_model\`).`;
  return refuse("model", `${problem} Installed models: ${installed}.`);
}
