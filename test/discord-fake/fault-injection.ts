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
}

export interface Fault {
  status: FaultStatus;
  retryAfterSeconds: number;
}

interface FaultRule extends Fault {
  match: FaultMatch;
  remaining: number;
}

/** Queued faults (`failNext`) and expired interaction tokens. */
export class FaultInjector {
  private readonly rules: FaultRule[] = [];
  readonly expiredTokens = new Set<string>();

  failNext(match: FaultMatch, status: FaultStatus, opts: FaultOptions = {}): void {
    this.rules.push({ match, status, remaining: opts.times ?? 1, retryAfterSeconds: opts.retryAfterSeconds ?? 0.05 });
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
    return { status: rule.status, retryAfterSeconds: rule.retryAfterSeconds };
  }
}
