/**
 * The named models of this installation, in `<MODELS_DIR>/models.json`: a hub model points at its folder per commit
 * under `hub/`, a local folder is only referenced (never copied, never deleted by `models remove`).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { withFileLock } from "./file-lock.ts";

export const REGISTRY_FILE = "models.json";

export type RegistryEntry =
  | Readonly<{ source: "hub"; repo: string; revision: string; commit: string; precision: string; path: string; addedAt: string }>
  | Readonly<{ source: "local"; path: string; addedAt: string }>;

export type Registry = Readonly<Record<string, RegistryEntry>>;

export async function readRegistry(modelsDir: string): Promise<Registry> {
  try {
    const parsed = JSON.parse(await readFile(join(modelsDir, REGISTRY_FILE), "utf8")) as { models?: Registry };
    return parsed.models ?? {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/** Adds or replaces `name`. */
export async function registerModel(modelsDir: string, name: string, entry: RegistryEntry): Promise<void> {
  await updateRegistry(modelsDir, (models) => ({ ...models, [name]: entry }));
}

export async function unregisterModel(modelsDir: string, name: string): Promise<void> {
  await updateRegistry(modelsDir, ({ [name]: _removed, ...rest }) => rest);
}

/** The folder of a registered model (hub paths are stored relative to MODELS_DIR, so the folder can move). */
export function entryFolder(modelsDir: string, entry: RegistryEntry): string {
  return resolve(modelsDir, entry.path);
}

/** The name of a hub model already registered for `repo@revision`, if any. */
export function findHubEntry(registry: Registry, repo: string, revision: string): [string, RegistryEntry] | undefined {
  return Object.entries(registry).find(([, e]) => e.source === "hub" && e.repo === repo && (e.revision === revision || e.commit === revision));
}

/**
 * Read-modify-write under a lock, so two processes adding models at once both keep their entry; written to a
 * temporary file and renamed, so readers never see half a file.
 */
async function updateRegistry(modelsDir: string, change: (models: Registry) => Registry): Promise<void> {
  await mkdir(modelsDir, { recursive: true });
  await withFileLock(join(modelsDir, `${REGISTRY_FILE}.lock`), async () => {
    const models = change(await readRegistry(modelsDir));
    const temporary = join(modelsDir, `${REGISTRY_FILE}.tmp-${process.pid}`);
    await writeFile(temporary, `${JSON.stringify({ models }, null, 2)}\n`);
    await rename(temporary, join(modelsDir, REGISTRY_FILE));
  }, { pollMs: 50 });
}
