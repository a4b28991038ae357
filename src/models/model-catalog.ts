/**
 * Named models: adding (download or local folder), finding the folder for the MODEL setting, removing. The one place
 * that maps what a user typed to a model folder.
 */
import { rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { ModelNotUsableError } from "./errors.ts";
import { REQUIRED_MODEL_FILES, type Precision } from "./file-selection.ts";
import type { HubConnection } from "./hub-client.ts";
import { downloadHubModel, type DownloadProgress } from "./hub-download.ts";
import { defaultModelName, MODEL_NAME, parseModelReference } from "./model-reference.ts";
import { entryFolder, findHubEntry, readRegistry, registerModel, unregisterModel, type RegistryEntry } from "./model-registry.ts";

/** The MODEL value that asks for the synthesized random-weight model. */
export const SYNTHETIC_MODEL = "synthetic";

export interface ModelSettings {
  /** MODELS_DIR, absolute. */
  modelsDir: string;
  precision: Precision;
  hub: HubConnection;
}

export interface DownloadHooks {
  onProgress?(progress: DownloadProgress): void;
  onLockWait?(ownerPid: number, lockFile: string): void;
  /** Called before a download starts (not when the model is already there). */
  onDownloadStart?(repo: string, revision: string): void;
  availableSpace?(dir: string): Promise<number>;
}

export interface AddedModel {
  name: string;
  dir: string;
  entry: RegistryEntry;
}

/**
 * Registers a model under `name`: `owner/repo[@revision]` is downloaded (pinned to its commit), `./folder` is checked
 * and referenced in place.
 */
export async function addModel(settings: ModelSettings, reference: string, name?: string, hooks: DownloadHooks = {}): Promise<AddedModel> {
  const ref = parseModelReference(reference);
  const chosen = name ?? (ref.kind === "hub" ? defaultModelName(ref.repo) : (ref.path.split("/").pop() ?? "").toLowerCase());
  if (!MODEL_NAME.test(chosen) || chosen === SYNTHETIC_MODEL) {
    throw new ModelNotUsableError(`"${chosen}" cannot be a model name: use lowercase letters, digits, ".", "_" and "-" (not "${SYNTHETIC_MODEL}"); pass --name NAME.`);
  }
  const registry = await readRegistry(settings.modelsDir);
  const existing = registry[chosen];
  if (ref.kind === "local") {
    await checkModelFolder(ref.path);
    if (existing && !(existing.source === "local" && existing.path === ref.path)) throw nameTaken(chosen, existing);
    const entry: RegistryEntry = { source: "local", path: ref.path, addedAt: new Date().toISOString() };
    await registerModel(settings.modelsDir, chosen, entry);
    return { name: chosen, dir: ref.path, entry };
  }
  if (existing && !(existing.source === "hub" && existing.repo === ref.repo)) throw nameTaken(chosen, existing);
  hooks.onDownloadStart?.(ref.repo, ref.revision);
  const { dir, manifest } = await downloadHubModel({ ...settings, repo: ref.repo, revision: ref.revision, ...hooks });
  const entry: RegistryEntry = {
    source: "hub",
    repo: ref.repo,
    revision: ref.revision,
    commit: manifest.commit,
    // The precision asked for (the manifest says what was downloaded): a later start asking the same finds it offline.
    precision: settings.precision,
    path: relative(settings.modelsDir, dir),
    addedAt: new Date().toISOString(),
  };
  await registerModel(settings.modelsDir, chosen, entry);
  return { name: chosen, dir, entry };
}

/**
 * The folder for the MODEL setting (a registered name, `owner/repo[@revision]` or a folder path). A hub model
 * already registered for that repository and revision is used as downloaded, without asking the hub: the commit it
 * was pinned to stays until the user adds it again. Otherwise it is downloaded and registered.
 */
export async function resolveModelFolder(settings: ModelSettings, model: string, hooks: DownloadHooks = {}): Promise<{ name: string; dir: string }> {
  const registry = await readRegistry(settings.modelsDir);
  const named = registry[model];
  if (named) return { name: model, dir: await existingFolder(settings.modelsDir, model, named) };
  const ref = parseModelReference(model);
  if (ref.kind === "local") {
    await checkModelFolder(ref.path);
    return { name: ref.path, dir: ref.path };
  }
  const found = findHubEntry(registry, ref.repo, ref.revision);
  if (found) {
    const [name, entry] = found;
    if (entry.source === "hub" && entry.precision === settings.precision) return { name, dir: await existingFolder(settings.modelsDir, name, entry) };
  }
  const added = await addModel(settings, model, found?.[0], hooks);
  return { name: added.name, dir: added.dir };
}

/** Unregisters `name`; a downloaded folder no other name uses is deleted, a local folder is left alone. */
export async function removeModel(modelsDir: string, name: string): Promise<{ deleted?: string }> {
  const registry = await readRegistry(modelsDir);
  const entry = registry[name];
  if (!entry) throw new ModelNotUsableError(`No model is named "${name}" (npm run models -- list shows them).`);
  await unregisterModel(modelsDir, name);
  if (entry.source === "local") return {};
  const sharedBy = Object.entries(registry).filter(([other, e]) => other !== name && e.source === "hub" && e.path === entry.path);
  if (sharedBy.length) return {};
  const dir = entryFolder(modelsDir, entry);
  await rm(dir, { recursive: true, force: true });
  return { deleted: dir };
}

/** @throws ModelNotUsableError naming the missing files. */
export async function checkModelFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  for (const file of REQUIRED_MODEL_FILES) {
    const found = await stat(join(dir, file)).then((s) => s.isFile(), () => false);
    if (!found) missing.push(file);
  }
  if (missing.length) {
    throw new ModelNotUsableError(`${dir} is not a Stable Diffusion ONNX model folder: it lacks ${missing.join(", ")}.`);
  }
}

async function existingFolder(modelsDir: string, name: string, entry: RegistryEntry): Promise<string> {
  const dir = entryFolder(modelsDir, entry);
  try {
    await checkModelFolder(dir);
  } catch (error) {
    const again = entry.source === "hub" ? `npm run models -- add ${entry.repo}@${entry.revision} --name ${name}` : `npm run models -- add <folder> --name ${name}`;
    throw new ModelNotUsableError(`The model "${name}" is registered but its folder is gone or incomplete (${(error as Error).message}) Add it again: ${again}`);
  }
  return dir;
}

function nameTaken(name: string, entry: RegistryEntry): ModelNotUsableError {
  const what = entry.source === "hub" ? `${entry.repo}@${entry.revision}` : entry.path;
  return new ModelNotUsableError(`The name "${name}" is already used by ${what}: pass --name with another name, or remove it first.`);
}
