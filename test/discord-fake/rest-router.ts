import type { IncomingHttpHeaders } from "node:http";
import type { MultipartFile } from "./types.ts";

/** The `:name` parameters route patterns use. */
export type ParamName = "applicationId" | "channelId" | "commandId" | "emoji" | "guildId" | "interactionId" | "messageId" | "token" | "userId";

/** A matched route's parameters: a handler reads only the names its own pattern has, which are always there. */
export type RouteParams = Readonly<Record<ParamName, string>>;

export interface RestRequest {
  method: string;
  params: RouteParams;
  query: URLSearchParams;
  /** The JSON body, or the parsed `payload_json` of a multipart body; undefined when there is none. */
  json: unknown;
  files: MultipartFile[];
  headers: IncomingHttpHeaders;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Bot routes need `Authorization: Bot <token>`; interaction callbacks and webhook-token routes need none. */
export type RouteAuth = "bot" | "none";

export interface RouteDefinition {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Decoded path below /api/v10, with `:name` parameters: `/channels/:channelId/messages`. */
  pattern: string;
  auth: RouteAuth;
  handle: (request: RestRequest) => RestResponse | Promise<RestResponse>;
}

export type RouteMatch =
  | { kind: "found"; route: RouteDefinition; params: RouteParams }
  | { kind: "wrong-method" }
  | { kind: "none" };

/** Matches decoded path segments against route patterns; literal segments win over parameters. */
export class RestRouter {
  private readonly routes: Array<{ route: RouteDefinition; parts: string[] }>;

  constructor(routes: RouteDefinition[]) {
    // Literal segments first, so `/users/@me` is preferred to `/users/:userId`.
    this.routes = routes
      .map((route) => ({ route, parts: route.pattern.split("/").filter(Boolean) }))
      .sort((a, b) => specificity(b.parts) - specificity(a.parts));
  }

  match(method: string, segments: string[]): RouteMatch {
    let pathMatched = false;
    for (const { route, parts } of this.routes) {
      const params = matchParts(parts, segments);
      if (!params) continue;
      if (route.method === method) return { kind: "found", route, params };
      pathMatched = true;
    }
    return pathMatched ? { kind: "wrong-method" } : { kind: "none" };
  }
}

function specificity(parts: string[]): number {
  return parts.reduce((score, part, i) => score + (part.startsWith(":") ? 0 : 2 ** (16 - i)), 0);
}

function matchParts(parts: string[], segments: string[]): RouteParams | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? "";
    if (part.startsWith(":")) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params as RouteParams;
}
