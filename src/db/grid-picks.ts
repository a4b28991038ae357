import type { Db } from "./client.ts";
import { findById } from "./generations.ts";
import type { GenerationRecord } from "./types.ts";

/**
 * Records image `index` of `grid` as a generation of its own (parent = the grid, seed = the grid's seed + index,
 * one image), so 🔁 and the other reactions work on it like on any result. It costs no quota: the image exists.
 * It starts "running" and becomes "done" when posted, so a restart in between posts it (or remakes the same bytes).
 * Returns the existing pick when this image was already picked (and not failed): picking twice posts once.
 */
export async function recordGridPick(db: Db, grid: GenerationRecord, index: number, now: Date = new Date()): Promise<{ pick: GenerationRecord; created: boolean }> {
  const existing = await db.prisma.generation.findFirst({ where: { parentId: grid.id, gridIndex: index, status: { not: "failed" } } });
  if (existing) return { pick: (await findById(db, existing.id))!, created: false };
  const row = await db.prisma.generation.create({
    data: {
      guildId: grid.guildId,
      channelId: grid.channelId,
      userId: grid.userId,
      kind: grid.kind,
      prompt: grid.prompt,
      negativePrompt: grid.negativePrompt,
      strength: grid.strength,
      steps: grid.steps,
      guidance: grid.guidance,
      scheduler: grid.scheduler,
      width: grid.width,
      height: grid.height,
      seed: ((grid.seed + BigInt(index)) % 2n ** 64n).toString(),
      // Image i of a varied grid had variation seed + i (the pipeline's rule, as for its seed).
      variationSeed: grid.variationSeed === null ? null : ((grid.variationSeed + BigInt(index)) % 2n ** 64n).toString(),
      variationStrength: grid.variationStrength,
      inputHash: grid.inputHash,
      model: grid.model,
      status: "running",
      parentId: grid.id,
      gridIndex: index,
      imageCount: 1,
      quotaDay: grid.quotaDay,
      charged: false,
      queuedAt: now,
      startedAt: now,
    },
  });
  return { pick: (await findById(db, row.id))!, created: true };
}
