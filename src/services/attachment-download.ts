import { formatBytes } from "../inference/image/errors.ts";

/** Why an attachment was not downloaded. The message is safe to show users. */
export class AttachmentError extends Error {
  override readonly name = "AttachmentError";
  constructor(
    readonly code: "host" | "too-large" | "download-failed" | "timeout" | "interrupted",
    message: string,
  ) {
    super(message);
  }
}

export interface AttachmentDownloadOptions {
  /** Hostnames attachments may come from: Discord's CDN (plus test hosts from configuration, never user input). */
  allowedHosts: readonly string[];
  /** Hosts that may serve plain http (the local test CDN); Discord's own hosts always need https. */
  allowHttpFor?: readonly string[];
  maxBytes: number;
  /** The size Discord declared; refused before any byte is fetched when it is over the cap. */
  declaredSize?: number;
  /** How long the whole download may take, headers and body together, in milliseconds. @default 30000 */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Downloads an attachment from an allowed host only, refusing it while streaming as soon as it passes the cap
 * (never buffering more than `maxBytes + one chunk`), with redirects refused so a URL cannot bounce elsewhere.
 */
export async function downloadAttachment(url: string, options: AttachmentDownloadOptions): Promise<Buffer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AttachmentError("host", "That attachment has no valid URL.");
  }
  const host = parsed.hostname.toLowerCase();
  const allowed =
    options.allowedHosts.includes(host) && (parsed.protocol === "https:" || (parsed.protocol === "http:" && (options.allowHttpFor ?? []).includes(host)));
  if (!allowed) throw new AttachmentError("host", `Attachments are only fetched from Discord's CDN, not from ${host}.`);
  // Sizes in the unit that suits them: always-MiB text said "0.0 MiB; the limit is 0 MiB" for caps under 1 MiB.
  const limitText = formatBytes(options.maxBytes);
  if (options.declaredSize !== undefined && options.declaredSize > options.maxBytes) {
    const sizeText = formatBytes(options.declaredSize);
    // Rounded, a file a few bytes over would read "10 MiB; the limit is 10 MiB".
    const message = sizeText === limitText ? `That file is just over the ${limitText} limit.` : `That file is ${sizeText}; the limit is ${limitText}.`;
    throw new AttachmentError("too-large", message);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // A timer this function holds and clears, raced against every step of the read. Passing a signal to fetch is
  // not enough: fetch follows it through a weak reference from its Request (and AbortSignal.timeout is held
  // weakly too), so after a garbage collection a trickling body was never aborted.
  let onTimeout = (): void => {};
  const timedOut = new Promise<never>((_, reject) => {
    onTimeout = () => reject(new AttachmentError("timeout", `The attachment download took too long (over ${formatSeconds(timeoutMs)}). Try again, or upload a smaller file.`));
  });
  timedOut.catch(() => {}); // Only raced; an unraced rejection is not an error.
  const deadline = setTimeout(onTimeout, timeoutMs);
  const controller = new AbortController();
  try {
    return await readAttachment(parsed, options.maxBytes, limitText, controller.signal, timedOut);
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
}

/** Fetches and reads the body, each step raced against `timedOut`; network failures become AttachmentErrors. */
async function readAttachment(url: URL, maxBytes: number, limitText: string, signal: AbortSignal, timedOut: Promise<never>): Promise<Buffer> {
  const fetched = fetch(url, { redirect: "error", signal });
  // A response that arrives after the deadline won the race is not left holding its connection.
  fetched.then(
    (late) => {
      if (signal.aborted) late.body?.cancel().catch(() => {});
    },
    () => {},
  );
  let response: Response;
  try {
    response = await Promise.race([fetched, timedOut]);
  } catch (error) {
    if (error instanceof AttachmentError) throw error;
    throw new AttachmentError("download-failed", `The attachment could not be downloaded (${reasonOf(error)}). Try again.`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new AttachmentError("download-failed", `The attachment could not be downloaded (HTTP ${response.status}). Try uploading it again.`);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body.cancel();
    throw new AttachmentError("too-large", `That file is over the ${limitText} limit.`);
  }
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new AttachmentError("too-large", `That file is over the ${limitText} limit.`);
      chunks.push(Buffer.from(value));
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    if (error instanceof AttachmentError) throw error;
    throw new AttachmentError("interrupted", "The attachment download was interrupted before the whole file arrived. Try again.");
  }
  return Buffer.concat(chunks);
}

/** The reason in a fetch failure: undici's "fetch failed" says less than its cause ("connect ECONNREFUSED …"). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
