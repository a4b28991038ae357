/**
 * The models a running bot can use: the one it started with (MODEL / MODEL_DIR) and every named model in
 * MODELS_DIR's catalog. Read again on every call, so `npm run models -- add` while the bot runs shows up in
 * autocomplete without a restart, and a `models remove` is noticed by the next reroll.
 */
import { access } from "node:fs/promises";
import { join } from "node:path";
import { entryFolder, readRegistry } from "./model-registry.ts";

export interface InstalledModel {
  /** The name members pick (`models list`), or the startup model's name. */
  name: string;
  dir: string;
  /** The hub commit the folder holds; absent for local folders. */
  commit?: string;
}

/** How a generation records its model: `name@commit` for a hub model pinned to a commit, else the name. */
export function modelLabel(model: Pick<InstalledModel, "name" | "commit">): string {
  return model.commit ? `${model.name}@${model.commit}` : model.name;
}

/** The name and commit of a recorded model label (see {@link modelLabel}). */
export function parseModelLabel(label: string): { name: string; commit?: string } {
  const match = /^(.*)@([0-9a-f]{40})$/.exec(label);
  return match ? { name: match[1]!, commit: match[2]! } : { name: label };
}

/** Why a recorded model cannot be used now. */
export type ModelLookup = { ok: true; model: InstalledModel } | { ok: false; message: string };

export class InstalledModels {
  constructor(
    private readonly options: {
      /** MODELS_DIR; absent when the bot runs without a catalog (tests with an injected backend). */
      modelsDir?: string;
      /** The model the bot started with: the default for requests that name none. */
      startup: InstalledModel;
      /**
       * Other names generations recorded for the startup model before it had a catalog name (the folder's own name
       * from model_index.json): their rerolls still find it.
       */
      startupAliases?: readonly string[];
    },
  ) {}

  /** The bot's own default model (MODEL / MODEL_DIR). */
  get startup(): InstalledModel {
    return this.options.startup;
  }

  /** The bot's own default model as jobs record it (with its commit when it is a catalog hub model). */
  async defaultModel(): Promise<InstalledModel> {
    return (await this.list())[0] ?? this.options.startup;
  }

  /** The startup model first, then the catalog's models by name. */
  async list(): Promise<InstalledModel[]> {
    if (!this.options.modelsDir) return [this.options.startup];
    const registry = await readRegistry(this.options.modelsDir);
    // The startup model started by its catalog name is pinned to that entry's commit.
    const entry = registry[this.options.startup.name];
    const models = [entry?.source === "hub" ? { ...this.options.startup, commit: entry.commit } : this.options.startup];
    for (const [name, entry] of Object.entries(registry).sort(([a], [b]) => a.localeCompare(b))) {
      if (name === this.options.startup.name) continue;
      models.push({ name, dir: entryFolder(this.options.modelsDir, entry), ...(entry.source === "hub" && { commit: entry.commit }) });
    }
    return models;
  }

  /** The installed model called `name`, if any. */
  async find(name: string): Promise<InstalledModel | undefined> {
    return (await this.list()).find((model) => model.name === name);
  }

  /**
   * The model a generation recorded (see {@link modelLabel}): the same name at the same commit, or another name
   * holding that commit. A model removed, or re-added at another commit, is gone: its images cannot be reproduced.
   */
  async findRecorded(label: string): Promise<ModelLookup> {
    const { name, commit } = parseModelLabel(label);
    const models = await this.list();
    if (commit === undefined && this.options.startupAliases?.includes(name)) return { ok: true, model: models[0] ?? this.options.startup };
    const found = models.find((m) => m.name === name && m.commit === commit) ?? (commit ? models.find((m) => m.commit === commit) : undefined);
    if (found) return { ok: true, model: found };
    const renamed = models.find((m) => m.name === name);
    return {
      ok: false,
      message: renamed
        ? `This image was made with the model "${name}" at commit ${commit?.slice(0, 12) ?? "(a local folder)"}, which is no longer installed (the name now holds ${renamed.commit?.slice(0, 12) ?? "another folder"}), so it cannot be rerolled.`
        : `This image was made with the model "${name}", which is no longer installed on this bot, so it cannot be rerolled.`,
    };
  }

  /** Whether the model's folder has a safety checker (what `/limits show` reports). */
  async hasSafetyChecker(model: InstalledModel): Promise<boolean> {
    return access(join(model.dir, "safety_checker", "model.onnx")).then(
      () => true,
      () => false,
    );
  }
}
