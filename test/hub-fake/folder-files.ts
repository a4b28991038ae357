/** Reads a model folder into the `{ path: bytes }` form HubFake.push takes ("uploading" it into the fake). */
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";

export async function folderFiles(dir: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path).split("\\").join("/")] = await readFile(path);
  }
  return files;
}
