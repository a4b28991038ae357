/** A status the fake can inject in place of a real answer. */
export type FaultStatus = 429 | 500 | 502 | 503;

export interface FaultMatch {
  /** HTTP method, any case; any method when left out. */
  method?: string;
  /** Tested against the decoded route (`/channels/1/messages`); any route when left out. */
  route?: RegExp;
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
  take(method: string, route: string): Fault | undefined {
    const rule = this.rules.find((r) => {
      if (r.match.route) r.match.route.lastIndex = 0; // a /g regex would otherwise remember its last match
      return (r.match.method === undefined || r.match.method.toUpperCase() === method) && (r.match.route === undefined || r.match.route.test(route));
    });
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return { status: rule.status, retryAfterSeconds: rule.retryAfterSeconds };
  }
}
