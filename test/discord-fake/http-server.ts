import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, ApiErrors } from "./api-error.ts";
import type { CallRecorder } from "./call-recorder.ts";
import type { FakeContext } from "./fake-context.ts";
import type { Fault } from "./fault-injection.ts";
import { parseMultipart } from "./multipart.ts";
import { routeLimit } from "./rate-limits.ts";
import type { RestRouter } from "./rest-router.ts";
import type { MultipartBody, MultipartFile, RecordedCall } from "./types.ts";

const API_PREFIX = "/api/v10";
const CDN_PREFIX = "/cdn";
const MEDIA_PREFIX = "/media";

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw bytes (CDN downloads) instead of a JSON body. */
  bytes?: { data: Buffer; contentType: string };
}

/**
 * One HTTP server for REST (`/api/v10`), the CDN (`/cdn`) and the gateway (WebSocket upgrades). Every
 * request is answered, then recorded with its decoded route, body and status.
 */
export class FakeHttpServer {
  private readonly server: Server;

  constructor(
    private readonly ctx: FakeContext,
    private readonly router: RestRouter,
    private readonly recorder: CallRecorder,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        console.error("discord-fake: request handling failed", error);
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    this.server.on("upgrade", (request, socket, head) => ctx.gateway.handleUpgrade(request, socket, head));
  }

  /** Listens on 127.0.0.1 on an ephemeral port and returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(request);
    const isApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
    const segments = (isApi ? url.pathname.slice(API_PREFIX.length) : url.pathname).split("/").filter(Boolean).map(safeDecode);
    const route = `/${segments.join("/")}`;

    let body: unknown;
    let answer: Answer;
    try {
      const parsed = await parseBody(raw, request.headers["content-type"]);
      body = parsed.recorded;
      answer = isApi ? await this.answerApi(method, route, segments, url, request, parsed) : this.answerOther(method, url.pathname);
    } catch (error) {
      body ??= raw.length > 0 ? raw.toString("utf8") : undefined;
      if (!(error instanceof ApiError)) throw error;
      answer = { status: error.status, body: error.toJSON() };
    }

    if (answer.bytes) {
      response.writeHead(answer.status, { ...answer.headers, "content-type": answer.bytes.contentType, "content-length": answer.bytes.data.length });
      response.end(answer.bytes.data);
    } else if (answer.body === undefined) {
      response.writeHead(answer.status, answer.headers).end();
    } else {
      response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(JSON.stringify(answer.body));
    }
    this.recorder.record({
      method,
      route,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
      body,
      status: answer.status,
      at: Date.now(),
    } satisfies RecordedCall);
  }

  private async answerApi(
    method: string,
    route: string,
    segments: string[],
    url: URL,
    request: IncomingMessage,
    parsed: ParsedBody,
  ): Promise<Answer> {
    const answer = await this.answerRoute(method, route, segments, url, request, parsed);
    this.ctx.rateLimiter.recordStatus(answer.status, answer.headers?.["x-ratelimit-scope"]);
    return answer;
  }

  /** Fault, rate limit, auth, then the handler; every answer of a known route carries its bucket's headers. */
  private async answerRoute(
    method: string,
    route: string,
    segments: string[],
    url: URL,
    request: IncomingMessage,
    parsed: ParsedBody,
  ): Promise<Answer> {
    const match = this.router.match(method, segments);
    if (match.kind === "none") throw ApiErrors.notFound();
    if (match.kind === "wrong-method") return { status: 405, body: { code: 0, message: "405: Method Not Allowed" } };
    await this.ctx.faults.waitIfStalled(method, route);
    const verdict = this.ctx.rateLimiter.take(routeLimit(method, match.route.pattern, match.params));
    if (verdict.refused) return { status: 429, body: verdict.refused.body, headers: verdict.headers };
    const fault = this.ctx.faults.take(method, route, parsed);
    if (fault) {
      const answer = faultAnswer(fault);
      return { ...answer, headers: { ...verdict.headers, ...answer.headers } };
    }
    try {
      if (match.route.auth === "bot" && request.headers.authorization !== `Bot ${this.ctx.token}`) throw ApiErrors.unauthorized();
      const result = await match.route.handle({
        method,
        params: match.params,
        query: url.searchParams,
        json: parsed.json,
        files: parsed.files,
        headers: request.headers,
      });
      return { ...result, headers: { ...verdict.headers, ...result.headers } };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return { status: error.status, body: error.toJSON(), headers: verdict.headers };
    }
  }

  /** The CDN serves stored attachment bytes; anything else outside /api/v10 is a 404 like Discord's. */
  private answerOther(method: string, pathname: string): Answer {
    for (const prefix of [CDN_PREFIX, MEDIA_PREFIX]) {
      if (method !== "GET" || !pathname.startsWith(`${prefix}/`)) continue;
      const file = this.ctx.state.files.get(pathname.slice(prefix.length));
      if (file) return { status: 200, bytes: file };
    }
    throw ApiErrors.notFound();
  }
}

interface ParsedBody {
  /** What the call log shows: JSON, `{ payload_json, files }`, raw text, or undefined. */
  recorded: unknown;
  json: unknown;
  files: MultipartFile[];
}

async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { recorded: undefined, json: undefined, files: [] };
  if (contentType?.startsWith("multipart/form-data")) {
    let multipart: MultipartBody;
    try {
      multipart = await parseMultipart(raw, contentType);
    } catch {
      throw ApiErrors.invalidJson();
    }
    return { recorded: multipart, json: multipart.payload_json, files: multipart.files };
  }
  const text = raw.toString("utf8");
  try {
    const json: unknown = JSON.parse(text);
    return { recorded: json, json, files: [] };
  } catch {
    if (contentType?.startsWith("application/json")) throw ApiErrors.invalidJson();
    return { recorded: text, json: undefined, files: [] };
  }
}

function faultAnswer(fault: Fault): Answer {
  if (fault.status === 429) {
    // Discord's shape: retry_after in seconds in the body and the headers @discordjs/rest reads.
    return {
      status: 429,
      body: { message: "You are being rate limited.", retry_after: fault.retryAfterSeconds, global: false },
      headers: {
        "retry-after": String(fault.retryAfterSeconds),
        "x-ratelimit-limit": "1",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset-after": String(fault.retryAfterSeconds),
        "x-ratelimit-scope": "user",
      },
    };
  }
  const text = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable" }[fault.status];
  // Discord's own errors are JSON; a 502 from Cloudflare in front of it is an HTML page.
  if (fault.html ?? fault.status === 502) {
    const page = `<html>\r\n<head><title>${fault.status} ${text}</title></head>\r\n<body>\r\n<center><h1>${fault.status} ${text}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`;
    return { status: fault.status, bytes: { data: Buffer.from(page), contentType: "text/html" } };
  }
  return { status: fault.status, body: { code: 0, message: `${fault.status}: ${text}` } };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
