import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Config } from "../../src/config.ts";
import { PublishedModels } from "../../src/fleet/published-models.ts";
import { SD15_FAMILY } from "../../src/inference/index.ts";

export interface WorkerProcess {
  child: ChildProcess;
  /** Lines the process printed so far. */
  lines: string[];
  /** Resolves with the first printed line that `matches`. */
  waitFor(matches: (line: string) => boolean, what: string): Promise<string>;
  /** kill -9, and resolves once it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop), and resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * The environment of a worker process that joins the bot of `config` (same database, stores and Redis). No Discord
 * settings: a worker never talks to Discord (the bot processes post its stored results).
 */
export function workerEnv(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: config.databaseUrl,
    INPUT_STORE_DIR: config.inputStoreDir,
    RESULT_STORE_DIR: config.resultStoreDir,
    REDIS_URL: config.redisUrl,
    REDIS_PREFIX: config.redisPrefix,
    LOG_LEVEL: process.env.REROLL_TEST_LOG ?? "silent",
    ...extra,
  };
  return env;
}

/** The environment of a bot process (test/fleet/bot-process.ts) beside the bot of `config`: a worker's and Discord's. */
export function botEnv(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...workerEnv(config, extra),
    DISCORD_TOKEN: config.discordToken,
    DISCORD_CLIENT_ID: config.discordClientId,
    DISCORD_API_URL: config.discordApiUrl,
  };
}

/**
 * Publishes the stand-in worker's model (test/fleet/stand-in-worker.ts without MODEL_DIR: SD 1.5's defaults) as a
 * worker that ran before would have, so that bot processes take commands while no worker runs yet (the catalog
 * outlives its workers; a fleet that never had one refuses every request).
 */
export async function publishStandIn(config: Config): Promise<void> {
  if (!config.redisUrl) throw new Error("publishStandIn is for the distributed mode: set REDIS_URL");
  const catalog = new PublishedModels({ redisUrl: config.redisUrl, prefix: config.redisPrefix });
  try {
    await catalog.publish([{ name: "stand-in", family: { name: "sd1", label: SD15_FAMILY.label }, defaults: SD15_FAMILY.defaults, safetyChecker: false, startup: true }]);
  } finally {
    catalog.close();
  }
}

/**
 * Starts `script` (test/fleet/stand-in-worker.ts, or test/fleet/bot-process.ts for a bot) as a process of its own;
 * resolves once it prints `ready`.
 */
export async function startWorkerProcess(env: NodeJS.ProcessEnv, script = "test/fleet/stand-in-worker.ts"): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], { env, stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiters: Array<{ matches: (line: string) => boolean; resolve: (line: string) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.matches(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const worker: WorkerProcess = {
    child,
    lines,
    waitFor(matches, what) {
      const seen = lines.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ matches, resolve })),
        exited.then(() => Promise.reject(new Error(`the worker exited before ${what}`))),
      ]);
    },
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
  await worker.waitFor((line) => line === "ready", "it was ready");
  return worker;
}
