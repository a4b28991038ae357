import { ApiErrors } from "./api-error.ts";

/** How long Discord remembers a nonce for `enforce_nonce` ("the past few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60 * 1000;
const MAX_NONCE_LENGTH = 25;

/**
 * Nonces of messages created with `enforce_nonce: true`: the same author sending the same nonce in the same channel
 * within {@link NONCE_WINDOW_MS} gets the message it already created, and no new one.
 */
export class MessageNonces {
  private readonly seen = new Map<string, { messageId: string; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The id of the message this nonce already created, if still remembered; validates the nonce like Discord. */
  find(channelId: string, authorId: string, nonce: unknown): string | undefined {
    validateNonce(nonce);
    const entry = this.seen.get(key(channelId, authorId, nonce));
    if (!entry || this.now() - entry.at > NONCE_WINDOW_MS) return undefined;
    return entry.messageId;
  }

  remember(channelId: string, authorId: string, nonce: unknown, messageId: string): void {
    this.seen.set(key(channelId, authorId, nonce), { messageId, at: this.now() });
  }

  /** As if the window had passed for every nonce seen so far. */
  expireAll(): void {
    this.seen.clear();
  }
}

function key(channelId: string, authorId: string, nonce: unknown): string {
  return `${channelId}:${authorId}:${String(nonce)}`;
}

/** A nonce is an integer or a string of at most 25 characters. */
function validateNonce(nonce: unknown): void {
  const ok = (typeof nonce === "string" && nonce.length <= MAX_NONCE_LENGTH) || (typeof nonce === "number" && Number.isInteger(nonce));
  if (!ok) {
    throw ApiErrors.invalidFormBody({ nonce: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${MAX_NONCE_LENGTH} or fewer in length.` }] } });
  }
}
