/**
 * The database could not serve the call: it could not be reached (PostgreSQL down, restarting, or its connection
 * cut mid-way), or, as {@link DatabaseBusyError}, every pooled connection stayed busy. Whatever the call was doing
 * was not committed: a reservation charged nothing. Safe to show: it tells the member what happened and what to do.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  constructor(options?: ErrorOptions, message = "The bot's database is unreachable right now; nothing was charged. Please try again in a minute.") {
    super(message, options);
  }
}

/**
 * The server is up, but this process's every pooled connection stayed checked out by other calls for the whole
 * wait (the bot is under more load than PostgreSQL answers): the call never reached the database. A kind of
 * DatabaseUnavailableError, so every caller that says "try again" for an outage says so for this too.
 */
export class DatabaseBusyError extends DatabaseUnavailableError {
  override name = "DatabaseBusyError";
  constructor(options?: ErrorOptions) {
    super(options, "The bot is very busy right now; try again in a moment — nothing was charged.");
  }
}

/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);
/** PostgreSQL's admin_shutdown, crash_shutdown and cannot_connect_now (server stopping or starting). */
const SERVER_GOING_AWAY = new Set(["57P01", "57P02", "57P03"]);
/** Prisma's "can't reach the server", "timed out reaching it" and "server closed the connection". */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1017"]);
/** What @prisma/adapter-pg calls the same failures. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** node-pg's own messages for a lost or never-made connection (it gives them no code). */
const PG_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Client was closed and is not queryable/,
  // A client's own connect timeout (connectionTimeoutMillis of a pg.Client, as the pool's clients have).
  /^timeout expired$/,
];

/**
 * Whether `error` (or any error in its `cause` chain, Prisma and the adapter wrap them) says the database
 * could not be reached or the connection was lost, rather than that a query was wrong.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current !== null && typeof current === "object" && depth < 8; depth++) {
    const { code, kind, message } = current as { code?: unknown; kind?: unknown; message?: unknown };
    if (typeof code === "string" && (SOCKET_CODES.has(code) || SERVER_GOING_AWAY.has(code) || PRISMA_CODES.has(code) || code.startsWith("08"))) {
      return true;
    }
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && PG_MESSAGES.some((pattern) => pattern.test(message))) return true;
    if (current instanceof AggregateError && current.errors.some(isConnectionFailure)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The DatabaseBusyError in `error`'s `cause` chain (Prisma and the adapter may wrap what the pool threw), if any. */
function busyIn(error: unknown): DatabaseBusyError | undefined {
  for (let current = error, depth = 0; current !== null && typeof current === "object" && depth < 8; depth++) {
    if (current instanceof DatabaseBusyError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs `work`, turning a lost or unreachable database into DatabaseUnavailableError, and a pool whose connections
 * all stayed busy into DatabaseBusyError (checked first: its cause is node-pg's wait timeout); other errors pass
 * through.
 */
export async function unlessUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw error;
    const busy = busyIn(error);
    if (busy) throw busy;
    if (!isConnectionFailure(error)) throw error;
    throw new DatabaseUnavailableError({ cause: error });
  }
}
