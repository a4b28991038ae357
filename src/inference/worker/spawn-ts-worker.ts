import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts a worker thread on a TypeScript module. The project runs its TypeScript through tsx, but on Node 20 a
 * Worker does not inherit the main thread's `--import tsx` hooks for its entry file, so a two-line bootstrap
 * registers tsx inside the worker before importing the module.
 */
export function spawnTsWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith(".ts")) return new Worker(moduleUrl, options);
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
