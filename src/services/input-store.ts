import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Normalized input images on disk, named by the SHA-256 of their bytes. Discord's attachment URLs are signed and
 * expire, so a reroll days later must not depend on them: the bytes are kept here when the command arrives.
 */
export class InputStore {
  constructor(readonly dir: string) {}

  /** Stores the bytes (once per content) and returns their hash. */
  async put(bytes: Buffer): Promise<string> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    const path = this.pathOf(hash);
    if (await this.has(hash)) return hash;
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    // Write then rename: a crash never leaves a half-written file under the final name.
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, path);
    return hash;
  }

  /** The stored bytes, or undefined when they are gone (deleted by hand, another disk). */
  async get(hash: string): Promise<Buffer | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    try {
      return await readFile(this.pathOf(hash));
    } catch {
      return undefined;
    }
  }

  async has(hash: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(hash))).isFile();
    } catch {
      return false;
    }
  }

  private pathOf(hash: string): string {
    return join(this.dir, hash.slice(0, 2), `${hash}.png`);
  }
}
