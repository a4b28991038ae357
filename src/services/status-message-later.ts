import { setTimeout as delay } from "node:timers/promises";
import type { Db } from "../db/client.ts";
import { setStatusMessage, StatusMessageNotRecordedError } from "../db/generations.ts";
import type { Logger } from "../logger.ts";

/**
 * When a status message's id that the database did not take is tried again: the pool's wait already spans
 * seconds, so a few tries over about a minute and a half outlast a burst or a restart of PostgreSQL.
 */
export const STATUS_ID_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 20_000, 60_000];

/**
 * Stores a posted status message's id that the first write could not (GenerationService.submit went on with the
 * id in memory, where this process's ❌ and status edits find it). Stored, other processes (result delivery, a
 * restart) edit the same message. Stops when `stopped()` or the job is gone; never rejects.
 *
 * @returns whether the id is stored
 */
export async function storeStatusMessageLater(
  deps: { db: Db; logger: Logger; stopped: () => boolean },
  id: number,
  statusMessageId: string,
  delaysMs: readonly number[] = STATUS_ID_RETRY_DELAYS_MS,
): Promise<boolean> {
  for (const wait of delaysMs) {
    // Unreferenced: a pending retry does not keep a stopping process alive.
    await delay(wait, undefined, { ref: false });
    if (deps.stopped()) return false;
    try {
      return (await setStatusMessage(deps.db, id, statusMessageId)) !== null;
    } catch (error) {
      if (!(error instanceof StatusMessageNotRecordedError)) {
        deps.logger.warn({ err: error, generationId: id }, "could not store the status message's id");
        return false;
      }
    }
  }
  deps.logger.warn({ generationId: id, statusMessageId }, "gave up storing the status message's id; the job goes on without it");
  return false;
}
