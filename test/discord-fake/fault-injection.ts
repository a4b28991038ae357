/** A status the fake can inject in place of a real answer. */
export type FaultStatus = 429 | 500 | 502 | 503;

export interface FaultMatch {
  /** HTTP method, any case; any method when left out. */
  method?: string;
  /** Tested against the decoded route (`/channels/1/messages`); any route when left out. */
  route?: RegExp;
  /** Tested against the request's body, e.g. `(b) => b.files.length > 0` for uploads only; any body when left out. */
  body?: (body: FaultRequestBody) => boolean;
}

/** A request's body as a fault rule sees it: the JSON (or multipart `payload_json`) and the uploaded files. */
export interface FaultRequestBody {
  json: unknown;
  files: ReadonlyArray<{ filename: string }>;
}

export interface FaultOptions {
  /** How many matching requests fail. @default 1 */
  times?: number;
  /** For 429: the `retry_after` body field and `Retry-After` header, in seconds. @default 0.05 */
  retryAfterSeconds?: number;
  /** For 5xx: answer with an HTML page (as Cloudflare in front of Discord does). @default true for 502 only */
  html?: boolean;
}

export interface Fault {
  status: FaultStatus;
  retryAfterSeconds: number;
  html?: boolean;
}

interface FaultRule extends Fault {
  match: FaultMatch;
  remaining: number;
}

/** Queued faults (`failNext`) and expired interaction tokens. */
export class FaultInjector {
  private readonly rules: FaultRule[] = [];
  readonly expiredTokens = new Set<string>();
  private readonly stalls: Array<{ match: FaultMatch; released: Promise<void>; release: () => void }> = [];

  failNext(match: FaultMatch, status: FaultStatus, opts: FaultOptions = {}): void {
    this.rules.push({ match, status, remaining: opts.times ?? 1, retryAfterSeconds: opts.retryAfterSeconds ?? 0.05, ...(opts.html === undefined ? {} : { html: opts.html }) });
  }

  /** Matching requests get no answer until {@link releaseStalls} (Discord slow or hanging on a route). */
  stall(match: FaultMatch): void {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    this.stalls.push({ match, released, release });
  }

  /** Answers every stalled request and stops stalling. */
  releaseStalls(): void {
    for (const stall of this.stalls.splice(0)) stall.release();
  }

  /** Resolves when this request may be answered: at once, or when its stall is released. */
  async waitIfStalled(method: string, route: string): Promise<void> {
    const stall = this.stalls.find((s) => matches(s.match, method, route));
    if (stall) await stall.released;
  }

  /** The fault for this request, if a rule matches; each match uses up one of the rule's `times`. */
  take(method: string, route: string, body: FaultRequestBody = { json: undefined, files: [] }): Fault | undefined {
    const rule = this.rules.find((r) => {
      if (r.match.route) r.match.route.lastIndex = 0; // a /g regex would otherwise remember its last match
      return (
        (r.match.method === undefined || r.match.method.toUpperCase() === method) &&
        (r.match.route === undefined || r.match.route.test(route)) &&
        (r.match.body === undefined || r.match.body(body))
      );
    });
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return { status: rule.status, retryAfterSeconds: rule.retryAfterSeconds, ...(rule.html === undefined ? {} : { html: rule.html }) };
  }
}

function matches(match: FaultMatch, method: string, route: string): boolean {
  if (match.route) match.route.lastIndex = 0;
  return (match.method === undefined || match.method.toUpperCase() === method) && (match.route === undefined || match.route.test(route));
}
