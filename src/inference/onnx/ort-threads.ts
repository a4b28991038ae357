import { availableParallelism } from "node:os";
import type { ExecutionProviderName } from "./execution-providers.ts";

/** How many CPU threads ONNX Runtime may use for one session. */
export interface OrtThreadCounts {
  /**
   * Threads for one operator (a MatMul, a convolution), the calling thread included.
   * @default on CPU every core but one (at least 1): the main thread's event loop, which answers Discord's
   * heartbeats and 3-second deadlines, keeps a core; on CUDA, ORT's own default
   */
  intraOpNumThreads?: number;
  /**
   * Threads that run independent branches of the graph at once; more than 1 turns on ORT's parallel execution
   * mode. @default ORT's sequential mode (one branch at a time)
   */
  interOpNumThreads?: number;
}

/** The thread part of ORT's session options for a provider: what is set, else the default above. */
export function ortThreadOptions(
  provider: ExecutionProviderName,
  counts: OrtThreadCounts,
  cores: number = availableParallelism(),
): OrtThreadCounts & { executionMode?: "parallel" } {
  const intra = counts.intraOpNumThreads ?? (provider === "cpu" ? Math.max(1, cores - 1) : undefined);
  const inter = counts.interOpNumThreads;
  return {
    ...(intra !== undefined ? { intraOpNumThreads: intra } : {}),
    ...(inter !== undefined ? { interOpNumThreads: inter } : {}),
    ...(inter !== undefined && inter > 1 ? { executionMode: "parallel" as const } : {}),
  };
}
