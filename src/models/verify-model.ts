/** `models verify`: hashes every file of a downloaded model again and compares with its manifest. */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "./file-hash.ts";
import { readManifest } from "./manifest.ts";
import { ModelNotUsableError } from "./errors.ts";

export interface VerifyProblem {
  path: string;
  problem: string;
}

/**
 * @param onFile called before each file is hashed (progress for multi-GB models).
 * @returns the files that are missing or differ; empty when the folder is intact.
 */
export async function verifyModelFolder(dir: string, onFile?: (path: string, size: number) => void): Promise<VerifyProblem[]> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new ModelNotUsableError(`${dir} has no manifest: it was not downloaded by Reroll (or not completely), so there is nothing to verify it against.`);
  const problems: VerifyProblem[] = [];
  for (const file of manifest.files) {
    const path = join(dir, file.path);
    onFile?.(file.path, file.size);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      problems.push({ path: file.path, problem: "missing" });
      continue;
    }
    if (size !== file.size) {
      problems.push({ path: file.path, problem: `${size} bytes, expected ${file.size}` });
      continue;
    }
    const sha256 = await sha256File(path);
    if (sha256 !== file.sha256) problems.push({ path: file.path, problem: `sha256 ${sha256}, expected ${file.sha256}` });
  }
  return problems;
}
