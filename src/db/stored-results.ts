import type { Db } from "./client.ts";
import { findById } from "./generations.ts";
import { UNFINISHED_STATUSES, type GenerationRecord } from "./types.ts";

/**
 * The fleet's outbox (issue 13): a GPU worker's job ends when its result is in the shared results folder and its
 * record says "stored"; a bot process then posts it and marks it done. The single-process mode never uses "stored",
 * but keeps a result's warnings here too, for a post after a restart.
 */

/** The largest value of an `Int` column (PostgreSQL's integer is 32-bit). */
const MAX_INT_COLUMN = 2 ** 31 - 1;

/** Marks a queued or running job's result stored, not yet delivered; null when it was no longer unfinished. */
export async function markStored(db: Db, id: number, timings: { runMs: number; stepMs: number | null }): Promise<GenerationRecord | null> {
  const { count } = await db.prisma.generation.updateMany({
    where: { id, status: { in: [...UNFINISHED_STATUSES] } },
    data: { status: "stored", runMs: Math.min(MAX_INT_COLUMN, Math.max(0, Math.round(timings.runMs))), stepMs: timings.stepMs },
  });
  return count === 0 ? null : findById(db, id);
}

/**
 * Keeps a run's notes for the member (GenerationResult's `warnings`, e.g. a prompt cut at 77 tokens) with its
 * result, before the image is stored: whoever posts it later reads them (storedWarnings), the bot process posting
 * a worker's result or a restart posting one stored before it. Writes nothing when there are none (nearly always).
 */
export async function keepWarnings(db: Db, id: number, warnings: readonly string[]): Promise<void> {
  if (warnings.length === 0) return;
  await db.prisma.generation.updateMany({ where: { id }, data: { warnings: JSON.stringify(warnings) } });
}

/** The notes a result was stored with (keepWarnings), for its post; none when it had none (or is gone). */
export async function storedWarnings(db: Db, id: number): Promise<string[]> {
  const row = await db.prisma.generation.findUnique({ where: { id }, select: { warnings: true } });
  if (!row?.warnings) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.warnings);
  } catch {
    return []; // a column edited by hand must not stop the result's post (it would be retried at every scan)
  }
  return Array.isArray(parsed) ? parsed.filter((warning): warning is string => typeof warning === "string") : [];
}

/** Marks a stored result posted (done); null when it was not "stored" (another process delivered it first). */
export async function markDelivered(db: Db, id: number, resultMessageId: string): Promise<GenerationRecord | null> {
  const { count } = await db.prisma.generation.updateMany({
    where: { id, status: "stored" },
    data: { status: "done", resultMessageId, finishedAt: new Date(), interactionToken: null },
  });
  return count === 0 ? null : findById(db, id);
}

/** Every stored result not yet delivered, oldest first. */
export async function listStored(db: Db): Promise<GenerationRecord[]> {
  const rows = await db.prisma.generation.findMany({ where: { status: "stored" }, orderBy: [{ queuedAt: "asc" }, { id: "asc" }], select: { id: true } });
  const records = await Promise.all(rows.map((row) => findById(db, row.id)));
  return records.filter((record): record is GenerationRecord => record !== null);
}

/** A stored result the server's policy refuses (a flagged image): failed with `error`, refunded. Null if not "stored". */
export async function markStoredRefused(db: Db, id: number, error: string): Promise<GenerationRecord | null> {
  const { count } = await db.prisma.generation.updateMany({
    where: { id, status: "stored" },
    data: { status: "failed", error, finishedAt: new Date(), interactionToken: null, charged: false },
  });
  return count === 0 ? null : findById(db, id);
}
