import { formatBytes } from "../inference/image/errors.ts";

/** Why an attachment was not downloaded. The message is safe to show users. */
export class AttachmentError extends Error {
  override readonly name = "AttachmentError";
  constructor(
    readonly code: "host" | "too-large" | "download-failed",
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
  /** @default 30000 */
  timeoutMs?: number;
}

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
  let response: Response;
  try {
    response = await fetch(parsed, { redirect: "error", signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  } catch (error) {
    throw new AttachmentError("download-failed", `The attachment could not be downloaded (${(error as Error).message}). Try again.`);
  }
  if (!response.ok || !response.body) {
    throw new AttachmentError("download-failed", `The attachment could not be downloaded (HTTP ${response.status}). Try uploading it again.`);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > options.maxBytes) {
    await response.body.cancel();
    throw new AttachmentError("too-large", `That file is over the ${limitText} limit.`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > options.maxBytes) {
      throw new AttachmentError("too-large", `That file is over the ${limitText} limit.`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
