import { createHash } from "node:crypto";
import type { RouteParams } from "./rest-router.ts";

/** One per-route limit: `limit` requests per `windowMs`, counted per major parameter. */
export interface BucketRule {
  /** Routes that share a limit share a name (and so an `X-RateLimit-Bucket` hash). */
  name: string;
  limit: number;
  windowMs: number;
}

/** Discord's global limit: 50 requests per second per bot token. */
export const GLOBAL_LIMIT = { limit: 50, windowMs: 1_000 } as const;
/** Cloudflare bans an IP that gets this many 401/403/429 answers within {@link INVALID_WINDOW_MS}. */
export const INVALID_REQUEST_BAN_THRESHOLD = 10_000;
export const INVALID_WINDOW_MS = 10 * 60 * 1000;

/**
 * The per-route limits the fake enforces, as Discord answers them (Discord publishes none; these are the values its
 * headers show in practice): one reaction write per 0.25 s per channel, five message creates and five edits per
 * 5 s per channel, five calls per 2 s per interaction webhook token.
 */
export const BUCKETS = {
  reactions: { name: "reactions", limit: 1, windowMs: 250 },
  messageCreate: { name: "message-create", limit: 5, windowMs: 5_000 },
  messageEdit: { name: "message-edit", limit: 5, windowMs: 5_000 },
  messageRead: { name: "message-read", limit: 10, windowMs: 1_000 },
  webhook: { name: "webhook", limit: 5, windowMs: 2_000 },
  callback: { name: "interaction-callback", limit: 5, windowMs: 1_000 },
  other: { name: "other", limit: 50, windowMs: 1_000 },
} satisfies Record<string, BucketRule>;

/** Where a request falls: its bucket, the major parameter that splits it, and whether the global limit counts it. */
export interface RouteLimit {
  rule: BucketRule;
  major: string;
  countsGlobally: boolean;
}

/** Classifies a matched route (`/channels/:channelId/messages/:messageId`) with its parameters. */
export function routeLimit(method: string, pattern: string, params: Partial<RouteParams>): RouteLimit {
  if (pattern.startsWith("/interactions/")) return { rule: BUCKETS.callback, major: params.interactionId ?? "", countsGlobally: false };
  if (pattern.startsWith("/webhooks/:applicationId/:token")) {
    return { rule: BUCKETS.webhook, major: `${params.applicationId ?? ""}/${params.token ?? ""}`, countsGlobally: false };
  }
  const channel = params.channelId;
  if (channel !== undefined) {
    const major = `channel:${channel}`;
    if (pattern.includes("/reactions/") && method !== "GET") return { rule: BUCKETS.reactions, major, countsGlobally: true };
    if (pattern === "/channels/:channelId/messages" && method === "POST") return { rule: BUCKETS.messageCreate, major, countsGlobally: true };
    if (pattern === "/channels/:channelId/messages/:messageId" && (method === "PATCH" || method === "DELETE")) {
      return { rule: BUCKETS.messageEdit, major, countsGlobally: true };
    }
    if (method === "GET") return { rule: BUCKETS.messageRead, major, countsGlobally: true };
    return { rule: { ...BUCKETS.other, name: `${method} ${pattern}` }, major, countsGlobally: true };
  }
  const major = params.guildId !== undefined ? `guild:${params.guildId}` : "global";
  return { rule: { ...BUCKETS.other, name: `${method} ${pattern}` }, major, countsGlobally: true };
}

/** What the limiter decided: headers for every answer, and a 429 body when refused. */
export interface LimitVerdict {
  headers: Record<string, string>;
  refused?: { body: { message: string; retry_after: number; global: boolean }; scope: "user" | "global" };
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters per bucket and major parameter, plus the global one, answering with Discord's headers
 * (`X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket`) and refusing with 429 `{ message, retry_after, global }`.
 * It also counts invalid requests (401, 403, and 429 except scope `shared`) over a sliding 10 minutes.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly globalWindow: Window = { count: 0, resetAt: 0 };
  private readonly invalidAt: number[] = [];
  /** Every 429 the limiter answered (bucket and global), since the start. */
  rateLimited = 0;

  constructor(
    private readonly enabled: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request against its bucket and the global limit; refuses it when either is spent. */
  take(limit: RouteLimit): LimitVerdict {
    const now = this.now();
    const key = `${limit.rule.name}:${limit.major}`;
    const window = this.windows.get(key) ?? { count: 0, resetAt: 0 };
    this.windows.set(key, window);
    if (now >= window.resetAt) {
      window.count = 0;
      window.resetAt = now + limit.rule.windowMs;
    }
    const headers = () => bucketHeaders(limit.rule, window, now);
    if (!this.enabled()) return { headers: {} };
    if (limit.countsGlobally) {
      if (now >= this.globalWindow.resetAt) {
        this.globalWindow.count = 0;
        this.globalWindow.resetAt = now + GLOBAL_LIMIT.windowMs;
      }
      if (this.globalWindow.count >= GLOBAL_LIMIT.limit) {
        const retryAfter = seconds(this.globalWindow.resetAt - now);
        this.rateLimited += 1;
        return {
          headers: { ...headers(), "retry-after": String(retryAfter), "x-ratelimit-global": "true", "x-ratelimit-scope": "global" },
          refused: { body: { message: "You are being rate limited.", retry_after: retryAfter, global: true }, scope: "global" },
        };
      }
    }
    if (window.count >= limit.rule.limit) {
      const retryAfter = seconds(window.resetAt - now);
      this.rateLimited += 1;
      return {
        headers: { ...headers(), "retry-after": String(retryAfter), "x-ratelimit-scope": "user" },
        refused: { body: { message: "You are being rate limited.", retry_after: retryAfter, global: false }, scope: "user" },
      };
    }
    window.count += 1;
    if (limit.countsGlobally) this.globalWindow.count += 1;
    return { headers: headers() };
  }

  /** Notes an answer's status for the invalid-request counter. */
  recordStatus(status: number, scope?: string): void {
    if (status === 401 || status === 403 || (status === 429 && scope !== "shared")) this.invalidAt.push(this.now());
  }

  /** 401, 403 and 429 answers within the last 10 minutes (Cloudflare bans at {@link INVALID_REQUEST_BAN_THRESHOLD}). */
  get invalidRequests(): number {
    const since = this.now() - INVALID_WINDOW_MS;
    while (this.invalidAt.length > 0 && (this.invalidAt[0] ?? Infinity) < since) this.invalidAt.shift();
    return this.invalidAt.length;
  }
}

function bucketHeaders(rule: BucketRule, window: Window, now: number): Record<string, string> {
  const resetAfter = seconds(window.resetAt - now);
  return {
    "x-ratelimit-limit": String(rule.limit),
    "x-ratelimit-remaining": String(Math.max(0, rule.limit - window.count)),
    "x-ratelimit-reset": (window.resetAt / 1000).toFixed(3),
    "x-ratelimit-reset-after": String(resetAfter),
    "x-ratelimit-bucket": createHash("sha1").update(rule.name).digest("hex").slice(0, 32),
  };
}

/** Milliseconds as Discord's fractional seconds, never 0 for a wait that is still running. */
function seconds(ms: number): number {
  return Math.max(0.001, Math.ceil(ms) / 1000);
}
