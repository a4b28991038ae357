/** Small HTTP pieces shared by the fake hub and its fake CDN. */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface RecordedRequest {
  server: "hub" | "cdn";
  method: string;
  /** Path and query. */
  url: string;
  range: string | undefined;
  /** Whether an Authorization header came (its value is never recorded). */
  authorized: boolean;
}

/** Parses `bytes=a-b` / `bytes=a-` against a size; undefined for no (or an unsatisfiable) Range. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header ?? "");
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return start <= end ? { start, end } : undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

/** The hub's error answer: JSON `{ error }` and an `X-Error-Code` header, as huggingface.co sends them. */
export function sendHubError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: message }, { "X-Error-Code": code, "X-Error-Message": message });
}

/**
 * Sends `content` honouring Range. `cutAfter` sends that many bytes of the body, then drops the connection (the
 * headers still promise the whole length, as when a real transfer breaks).
 */
export function sendContent(req: IncomingMessage, res: ServerResponse, content: Buffer, headers: Record<string, string>, cutAfter?: number): void {
  const range = parseRange(req.headers.range, content.length);
  if (req.headers.range && !range) {
    res.writeHead(416, { "Content-Range": `bytes */${content.length}` });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? content.length - 1;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    "Accept-Ranges": "bytes",
    "Content-Length": String(end - start + 1),
    ...(range && { "Content-Range": `bytes ${start}-${end}/${content.length}` }),
  });
  const body = content.subarray(start, end + 1);
  if (cutAfter === undefined || cutAfter >= body.length) {
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  // end(), not destroy(): a FIN after the bytes, so the client gets every byte sent (a reset could drop some).
  res.write(body.subarray(0, cutAfter), () => res.socket?.end());
}

export function record(req: IncomingMessage, server: RecordedRequest["server"]): RecordedRequest {
  return { server, method: req.method ?? "GET", url: req.url ?? "/", range: req.headers.range, authorized: req.headers.authorization !== undefined };
}
