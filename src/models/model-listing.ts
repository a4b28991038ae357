/** The rows of `models list`: what each registered model is, how big, and where it lives. */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { readManifest } from "./manifest.ts";
import { detectFamily } from "./model-family.ts";
import { entryFolder, readRegistry } from "./model-registry.ts";

export interface ModelListing {
  name: string;
  /** `owner/name` for hub models, "local" for a folder. */
  repo: string;
  /** The revision asked for, or "—". */
  revision: string;
  /** The commit it is pinned to, or "—". */
  commit: string;
  /** Bytes on disk (undefined when the folder is gone). */
  size: number | undefined;
  family: string;
  dir: string;
}

export async function listModels(modelsDir: string): Promise<ModelListing[]> {
  const rows: ModelListing[] = [];
  for (const [name, entry] of Object.entries(await readRegistry(modelsDir)).sort(([a], [b]) => a.localeCompare(b))) {
    const dir = entryFolder(modelsDir, entry);
    if (entry.source === "hub") {
      const manifest = await readManifest(dir);
      rows.push({
        name,
        repo: entry.repo,
        revision: entry.revision,
        commit: entry.commit,
        size: manifest?.files.reduce((sum, f) => sum + f.size, 0),
        family: manifest?.family ?? "missing",
        dir,
      });
    } else {
      rows.push({ name, repo: "local", revision: "—", commit: "—", size: await folderSize(dir), family: await detectFamily(dir), dir });
    }
  }
  return rows;
}

async function folderSize(dir: string): Promise<number | undefined> {
  try {
    let total = 0;
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
    }
    return total;
  } catch {
    return undefined;
  }
}
