/**
 * A lock file so that two processes downloading the same model do not write the same partial files. The file holds
 * the owner's pid and host; a lock whose owner on this host is gone (a crash, a kill -9) is stale and taken over.
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export interface LockOptions {
  /** Called once when another live process holds the lock and this one waits. */
  onWait?(owner: LockOwner): void;
  /** How often a waiting process looks again. @default 1000 */
  pollMs?: number;
  /** A lock file still empty after this long is from a process that died while creating it. @default 10000 */
  emptyGraceMs?: number;
}

/** Runs `task` while holding the lock file at `path`; waits while another live process holds it. */
export async function withFileLock<T>(path: string, task: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(path, options);
  try {
    return await task();
  } finally {
    await release(path);
  }
}

async function acquire(path: string, options: LockOptions): Promise<void> {
  let waiting = false;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readOwner(path);
    if (holder === "gone") continue;
    if (holder === "stale" || (await isStale(path, holder, options.emptyGraceMs ?? 10_000))) {
      await rm(path, { force: true });
      continue;
    }
    if (!waiting && holder !== "empty") options.onWait?.(holder);
    waiting = true;
    await delay(options.pollMs ?? 1000);
  }
}

async function release(path: string): Promise<void> {
  const holder = await readOwner(path);
  if (typeof holder === "object" && holder.pid === process.pid && holder.host === hostname()) await rm(path, { force: true });
}

async function readOwner(path: string): Promise<LockOwner | "gone" | "empty" | "stale"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  if (text.trim() === "") return "empty";
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === "string" ? owner : "stale";
  } catch {
    return "stale";
  }
}

async function isStale(path: string, holder: LockOwner | "empty", emptyGraceMs: number): Promise<boolean> {
  if (holder === "empty") {
    try {
      return Date.now() - (await stat(path)).mtimeMs > emptyGraceMs;
    } catch {
      return false;
    }
  }
  // A lock from another host (a shared disk) cannot be checked: it is respected until removed by hand.
  return holder.host === hostname() && !processAlive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
