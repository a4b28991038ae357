import type { FaultInjector } from "./fault-injection.ts";
import type { Gateway } from "./gateway.ts";
import type { MessageNonces } from "./message-nonces.ts";
import type { RateLimiter } from "./rate-limits.ts";
import type { StateStore } from "./state-store.ts";

/** What REST route handlers share: the world, the gateway to emit events on, and the fake's addresses. */
export interface FakeContext {
  state: StateStore;
  gateway: Gateway;
  faults: FaultInjector;
  rateLimiter: RateLimiter;
  /** Nonces of messages sent with `enforce_nonce`. */
  nonces: MessageNonces;
  applicationId: string;
  token: string;
  /** `http://127.0.0.1:PORT/cdn`, the base of every attachment URL. */
  cdnBaseUrl: () => string;
  /** `http://127.0.0.1:PORT/media`, the base of every attachment's `proxy_url`. */
  mediaBaseUrl: () => string;
  /** `ws://127.0.0.1:PORT/gateway`. */
  gatewayUrl: () => string;
  /** How long after INTERACTION_CREATE the first callback is accepted (Discord: 3 s). */
  ackDeadlineMs: number;
}
