import pg from "pg";
import { DatabaseBusyError } from "./database-unavailable.ts";

/**
 * How long opening one connection to the server may take before the call fails with DatabaseUnavailableError
 * (an unreachable server answers nothing: without a limit the command would hang).
 */
export const CONNECT_TIMEOUT_MS = 5_000;

/** A process's connections to PostgreSQL, unless DATABASE_URL says `connection_limit` (node-pg's own default). */
export const DEFAULT_POOL_SIZE = 10;

/**
 * How long a call may wait for one of the pool's connections while every one is busy with other calls, unless
 * DATABASE_URL says `pool_timeout` (in seconds). Longer than a connect: a burst of commands is served a few
 * seconds late rather than refused, while an unreachable server is still reported after CONNECT_TIMEOUT_MS.
 */
export const DEFAULT_POOL_WAIT_MS = 15_000;

/** node-pg's error when a call waited the pool's connectionTimeoutMillis in its queue without getting a client. */
const QUEUE_TIMEOUT_MESSAGE = "timeout exceeded when trying to connect";

/** The pool's size and wait, and the URL to give node-pg (without the two parameters, which are ours). */
export interface PoolSettings {
  connectionString: string;
  max: number;
  waitMs: number;
}

/**
 * Reads `connection_limit` (connections per process) and `pool_timeout` (seconds a call waits for a busy pool's
 * connection) from a postgresql:// URL: the names Prisma gives the same settings, so a URL written for Prisma's
 * own engine means the same here.
 */
export function poolSettings(url: string): PoolSettings {
  const parsed = new URL(url);
  const read = (name: string, min: number, max: number, fallback: number): number => {
    const raw = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    if (raw === null || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`DATABASE_URL: ${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
    }
    return value;
  };
  const ours = parsed.searchParams.has("connection_limit") || parsed.searchParams.has("pool_timeout");
  const max = read("connection_limit", 1, 1000, DEFAULT_POOL_SIZE);
  const waitS = read("pool_timeout", 1, 3600, DEFAULT_POOL_WAIT_MS / 1000);
  // The URL as written unless it had our parameters (node-pg would pass them on as settings of its own).
  return { connectionString: ours ? parsed.toString() : url, max, waitMs: waitS * 1000 };
}

/**
 * A pool's client: its own connect timeout, so that the pool's (connectionTimeoutMillis) is the wait in its queue.
 * node-pg also applies the pool's to a connect: a wait shorter than CONNECT_TIMEOUT_MS shortens connects too.
 */
class PooledClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * node-pg's Pool, which tells a busy pool from an unreachable server. node-pg applies one timeout both to opening
 * a connection and to waiting for a free one, and fails both with a connection error; here a connection is given
 * CONNECT_TIMEOUT_MS to open (a server that does not answer is unreachable), and a call that finds every
 * connection checked out waits `waitMs` in the queue, then fails with DatabaseBusyError.
 */
export class PostgresPool extends pg.Pool {
  /** Clients handed out and not yet released: the connections busy with calls of ours right now. */
  private checkedOut = 0;

  constructor(settings: PoolSettings, config: Omit<pg.PoolConfig, "connectionString" | "max" | "connectionTimeoutMillis" | "Client">) {
    super({ ...config, connectionString: settings.connectionString, max: settings.max, connectionTimeoutMillis: settings.waitMs, Client: PooledClient });
    this.on("acquire", () => this.checkedOut++).on("release", () => this.checkedOut--);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    // pg.Pool's query() calls connect with a callback: both forms go through here.
    if (!callback) {
      return new Promise((resolve, reject) => this.connect((error, client) => (error || !client ? reject(error) : resolve(client))));
    }
    super.connect((error, client, done) => callback(error && this.explain(error), client, done));
  }

  /**
   * The queue's timeout is DatabaseBusyError when connections were checked out meanwhile; with none checked out,
   * every slot was still connecting (a server that does not answer): left as node-pg's connection error.
   */
  private explain(error: Error): Error {
    return error.message === QUEUE_TIMEOUT_MESSAGE && this.checkedOut > 0 ? new DatabaseBusyError({ cause: error }) : error;
  }
}
