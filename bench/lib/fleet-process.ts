/**
 * A bot or worker process of the fleet benches: its own Node process (as on separate machines), started with the
 * PostgreSQL statement counter preloaded (pg-statement-counter.ts), whose printed lines the bench can wait on.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const COUNTER = fileURLToPath(new URL("./pg-statement-counter.ts", import.meta.url));

/** Statement text → times sent. */
export type StatementCounts = Record<string, number>;

export interface FleetProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Lines printed on stdout so far. */
  readonly lines: string[];
  /** Resolves with the first printed line (past or future) that `matches`; rejects if the process exits first. */
  waitFor(matches: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Every statement the process sent to PostgreSQL so far, by text. */
  statements(): Promise<StatementCounts>;
  /** CPU time the process has used so far (user + system), in seconds; undefined where /proc is missing. */
  cpuSeconds(): Promise<number | undefined>;
  /** SIGTERM (the clean stop `npm start` and `npm run worker` handle); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `script` (relative to the repository) with `env` alone (nothing inherited but PATH), its stderr passed
 * through. `scratchDir` holds the statement counter's file.
 */
export function startFleetProcess(name: string, script: string, env: Record<string, string>, scratchDir: string): FleetProcess {
  const countFile = join(scratchDir, `${name}.pg-count.json`);
  const child = spawn(process.execPath, ["--import", "tsx", "--import", COUNTER, join(REPO, script)], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", ...env, BENCH_PG_COUNT_FILE: countFile },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters = new Set<{ matches: (line: string) => boolean; resolve: (line: string) => void }>();
  const exited = once(child, "exit");
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.matches(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  let asked = 0;
  return {
    name,
    child,
    lines,
    waitFor(matches, what, timeoutMs = 60_000) {
      const seen = lines.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        new Promise<string>((resolve) => waiters.add({ matches, resolve })),
        exited.then(() => Promise.reject(new Error(`${name} exited before ${what}`))),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name}: no ${what} within ${timeoutMs} ms`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
    },
    async statements() {
      const wanted = ++asked;
      child.kill("SIGUSR2");
      for (let waited = 0; waited < 10_000; waited += 20) {
        const written = await readFile(countFile, "utf8").then(
          (text) => JSON.parse(text) as { seq: number; counts: StatementCounts },
          () => undefined, // not written yet
        );
        if (written && written.seq >= wanted) return written.counts;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`${name} wrote no statement counts`);
    },
    async cpuSeconds() {
      const stat = await readFile(`/proc/${child.pid}/stat`, "utf8").catch(() => undefined);
      if (!stat) return undefined;
      // After the name (which may hold spaces): utime and stime are fields 14 and 15, in clock ticks (100 per second).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
      return (fields[11]! + fields[12]!) / 100;
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `after − before`, statement by statement (those sent at least once in between). */
export function countsSince(before: StatementCounts, after: StatementCounts): StatementCounts {
  const delta: StatementCounts = {};
  for (const [text, n] of Object.entries(after)) {
    const sent = n - (before[text] ?? 0);
    if (sent > 0) delta[text] = sent;
  }
  return delta;
}
