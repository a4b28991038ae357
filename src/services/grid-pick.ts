import type { Db } from "../db/client.ts";
import { recordGridPick } from "../db/grid-picks.ts";
import type { GenerationRecord } from "../db/types.ts";
import type { JobOutcomes } from "./job-outcomes.ts";
import type { ResultStore } from "./result-store.ts";

export type GridPickResult = { ok: true; pick: GenerationRecord; created: boolean } | { ok: false; message: string };

/**
 * Posts image `index` of a finished grid alone, from the kept singles, as a generation of its own (parent = the
 * grid). Picking an image twice posts it once. Returns the pick, or why not.
 */
export async function pickGridImage(
  deps: { db: Db; results: ResultStore; outcomes: Pick<JobOutcomes, "deliverOrRetry"> },
  grid: GenerationRecord,
  index: number,
): Promise<GridPickResult> {
  if (grid.imageCount < 2 || index < 0 || index >= grid.imageCount || grid.resultMessageId === null) {
    return { ok: false, message: `Result #${grid.id} has no image ${index + 1} to pick.` };
  }
  const png = await deps.results.getGridImage(grid.id, index);
  if (!png) return { ok: false, message: `Image ${index + 1} of #${grid.id} is no longer stored; react 🔁 to make the grid again.` };
  const { pick, created } = await recordGridPick(deps.db, grid, index);
  if (!created) return { ok: true, pick, created };
  // Stored under the pick's own id first: a restart before the post delivers it (GenerationService's runAndDeliver).
  await deps.results.put(pick.id, png);
  await deps.outcomes.deliverOrRetry(pick, { png, seed: pick.seed, runMs: 0, msPerStep: grid.stepMs ?? 0, warnings: [] });
  return { ok: true, pick, created };
}
