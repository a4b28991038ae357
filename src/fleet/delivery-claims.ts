import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/** Keeps a delivery claim its holder (ARGV[1]) has for ARGV[2] ms more, or takes it again if nobody took it. */
const RENEW_CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * Which bot process of the fleet posts a stored result: a claim per job in Redis, under
 * `${prefix}:fleet:delivering:*`, held by one process until it lapses.
 */
export class DeliveryClaims {
  readonly #redis: Redis;
  readonly #prefix: string;
  /** Who holds a claim: this object's own id, since process ids repeat across machines. */
  readonly #holder = randomUUID();

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /**
   * Claims the posting of job `jobId`'s stored result for this process (Redis SET NX): only one bot process of the
   * fleet posts it. The claim lapses after `ttlMs`, so a process that died holding it leaves the post to another;
   * a live process keeps it while it posts ({@link renew}).
   */
  async claim(jobId: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#key(jobId), this.#holder, "PX", ttlMs, "NX")) === "OK";
  }

  /**
   * Extends this process's claim on job `jobId`'s post to `ttlMs` from now (taking it again if it lapsed unclaimed);
   * false when another process holds it.
   */
  async renew(jobId: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.eval(RENEW_CLAIM, 1, this.#key(jobId), this.#holder, String(ttlMs))) === 1;
  }

  #key(jobId: string): string {
    return `${this.#prefix}:fleet:delivering:${jobId}`;
  }
}
