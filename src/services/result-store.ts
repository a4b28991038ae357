import { randomUUID } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Finished images by generation id, written before they are posted: if Discord is down or the bot dies between
 * the model finishing and the post, the result is delivered after restart instead of being computed again or lost.
 */
export class ResultStore {
  constructor(readonly dir: string) {}

  /**
   * @param options.flagged the safety checker flagged it: remembered beside the image (written first), so a
   *   delivery after a restart applies the server's policy again instead of posting it plainly
   */
  async put(generationId: number, png: Buffer, options: { flagged?: boolean } = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (options.flagged) await writeFile(this.flagPathOf(generationId), "");
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

  /** Whether the stored image was flagged by the safety checker. */
  async isFlagged(generationId: number): Promise<boolean> {
    return access(this.flagPathOf(generationId)).then(
      () => true,
      () => false,
    );
  }

  async delete(generationId: number): Promise<void> {
    await rm(this.pathOf(generationId), { force: true });
    await rm(this.flagPathOf(generationId), { force: true });
  }

  /**
   * Keeps image `index` of grid `gridId` alone, for a later pick (1️⃣–4️⃣). Kept after the grid is posted, at
   * `<dir>/grids/<gridId>/<index>.png` (a pick may come a week later, after restarts).
   */
  async putGridImage(gridId: number, index: number, png: Buffer): Promise<void> {
    const dir = join(this.dir, "grids", String(gridId));
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `${index}.${randomUUID()}.tmp`);
    await writeFile(temp, png);
    await rename(temp, join(dir, `${index}.png`));
  }

  /** Image `index` of grid `gridId` as {@link putGridImage} kept it; undefined when it is not stored. */
  async getGridImage(gridId: number, index: number): Promise<Buffer | undefined> {
    return readFile(join(this.dir, "grids", String(gridId), `${index}.png`)).catch(() => undefined);
  }

  private flagPathOf(generationId: number): string {
    return join(this.dir, `${generationId}.flagged`);
  }

  private pathOf(generationId: number): string {
    return join(this.dir, `${generationId}.png`);
  }
}
