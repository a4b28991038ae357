/**
 * The manifest written into a downloaded model's folder once every file is verified: what was asked for, the commit
 * it resolved to, and each file's size and sha256 (what `models verify` checks). Its presence marks the folder
 * complete; a folder without one is an unfinished download.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Precision } from "./file-selection.ts";

export const MANIFEST_FILE = "reroll-model.json";

export interface ManifestFile {
  /** Path in the model folder. */
  path: string;
  /** Path in the repository (differs for an fp16 graph stored as model.onnx). */
  source: string;
  size: number;
  sha256: string;
  /** Whether the hub stored it with LFS (its sha256 came from the listing rather than from our own hash). */
  lfs: boolean;
}

export interface ModelManifest {
  repo: string;
  /** The revision asked for (branch, tag or sha). */
  revision: string;
  /** The commit it resolved to: the folder's contents are exactly this commit's files. */
  commit: string;
  hubUrl: string;
  /** What was downloaded: fp32 when fp16 was asked of a repository without fp16 graphs. */
  precision: Precision;
  family: string;
  downloadedAt: string;
  files: ManifestFile[];
}

export async function readManifest(dir: string): Promise<ModelManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")) as ModelManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a manifest (a folder that looks complete). */
export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  const temporary = join(dir, `${MANIFEST_FILE}.tmp-${process.pid}`);
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, join(dir, MANIFEST_FILE));
}
