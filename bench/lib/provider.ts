import type { ExecutionProviderPreference } from "../../src/inference/index.ts";

/**
 * The execution provider every benchmark loads its sessions on: "cpu" unless `BENCH_PROVIDER` says otherwise
 * ("cuda" or "auto" on a GPU host with the CUDA provider installed), so numbers stay comparable between runs.
 */
export const BENCH_PROVIDER: ExecutionProviderPreference = ((): ExecutionProviderPreference => {
  const value = process.env.BENCH_PROVIDER ?? "cpu";
  if (value !== "cpu" && value !== "cuda" && value !== "auto") throw new Error(`Expected BENCH_PROVIDER to be cpu, cuda or auto, got "${value}"`);
  return value;
})();
