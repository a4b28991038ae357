import type { GenerationRecord } from "../db/types.ts";

/** How far Discord's clock (message timestamps) and this machine's may disagree. */
const CLOCK_SKEW_MS = 60_000;

/**
 * What a status message tells about itself, for finding its job when its id was never stored (a crash between
 * "Queued as" and storing the id, or a ❌ before that write).
 */
export interface StatusMessageRef {
  id: string;
  guildId: string;
  /** An interaction reply's `interaction_metadata.id`: the job's stored `interactionId`. */
  interactionId?: string | null;
  /** The bot's own messages only: the message it replies to (a reroll's status message replies to the result). */
  botReplyTo?: string | null;
  /** When the message was created (a job is queued before its status message). */
  createdAt: Date;
}

/**
 * The job among `active` (one server's unfinished jobs) that a status message shows: the one that stored its id;
 * else one whose id was never stored, found from what the message tells: an interaction reply names its
 * interaction; a reroll's status message is the bot's reply to the result it rerolls (the newest reroll of that
 * result queued before the message was made). `linked` says whether the job had the message's id already.
 *
 * @param parentOf the generation whose result is the message `resultMessageId` (read only when needed)
 */
export async function matchStatusMessage(
  active: readonly GenerationRecord[],
  message: StatusMessageRef,
  parentOf: (resultMessageId: string) => Promise<{ id: number } | null>,
): Promise<{ job: GenerationRecord; linked: boolean } | undefined> {
  const byId = active.find((record) => record.statusMessageId === message.id);
  if (byId) return { job: byId, linked: true };
  const unlinked = active.filter((record) => record.statusMessageId === null);
  if (message.interactionId) {
    const job = unlinked.find((record) => record.interactionId === message.interactionId);
    return job && { job, linked: false };
  }
  if (!message.botReplyTo || unlinked.every((record) => record.parentId === null)) return undefined;
  const parent = await parentOf(message.botReplyTo);
  if (!parent) return undefined;
  // Discord's clock makes the message's time, ours the job's: allow them to disagree a little.
  const madeBy = message.createdAt.getTime() + CLOCK_SKEW_MS;
  const job = unlinked
    .filter((record) => record.parentId === parent.id && record.queuedAt.getTime() <= madeBy)
    .reduce<GenerationRecord | undefined>((newest, record) => (!newest || record.id > newest.id ? record : newest), undefined);
  return job && { job, linked: false };
}
