import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Finished images by generation id, written before they are posted: if Discord is down or the bot dies between
 * the model finishing and the post, the result is delivered after restart instead of being computed again or lost.
 */
export class ResultStore {
  constructor(readonly dir: string) {}

  async put(generationId: number, png: Buffer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `${generationId}.${randomUUID()}.tmp`);
    await writeFile(temp, png);
    await rename(temp, this.pathOf(generationId));
  }

  async get(generationId: number): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(generationId));
    } catch {
      return undefined;
    }
  }

  async delete(generationId: number): Promise<void> {
    await rm(this.pathOf(generationId), { force: true });
  }

  private pathOf(generationId: number): string {
    return join(this.dir, `${generationId}.png`);
  }
}
