/** Content hashes used to verify downloads: sha256 (LFS oid) and git's blob id (sha1 over "blob <size>\0" + bytes). */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** A git blob hasher: git ids a file stored in git itself by sha1 of a header and the content. */
export function gitBlobHasher(size: number): Hash {
  return createHash("sha1").update(`blob ${size}\0`);
}

/** Feeds a file's bytes (or its first `end` bytes) to the given hashes. */
export async function hashFileInto(path: string, hashes: readonly Hash[], end?: number): Promise<void> {
  if (end === 0) return;
  const stream = createReadStream(path, end === undefined ? {} : { end: end - 1 });
  for await (const chunk of stream) for (const hash of hashes) hash.update(chunk as Buffer);
}

/** sha256 of a whole file, in hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await hashFileInto(path, [hash]);
  return hash.digest("hex");
}
