import type Database from "better-sqlite3";
import { BUSY_TIMEOUT_MS } from "./client.ts";

/** The longest pause between two tries for the write lock. */
const MAX_PAUSE_MS = 20;

/**
 * Runs `work` as one synchronous `BEGIN IMMEDIATE` transaction on `sqlite`: it holds the write lock from its
 * first read to its commit and no other JavaScript runs in between, so checks and the write they guard cannot
 * be raced. While another connection holds the lock (a Prisma write in this process, another process), waits
 * between tries without blocking the event loop, for up to BUSY_TIMEOUT_MS like the Prisma connection does.
 *
 * @throws the SQLITE_BUSY error when the lock stays taken that long; whatever `work` throws (rolled back).
 */
export async function runImmediate<T>(sqlite: Database.Database, work: () => T): Promise<T> {
  const transaction = sqlite.transaction(work);
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    try {
      return transaction.immediate();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function isBusy(error: unknown): boolean {
  return error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("SQLITE_BUSY");
}
