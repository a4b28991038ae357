import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Which execution provider to run on. "auto" tries CUDA and falls back to CPU. */
export type ExecutionProviderPreference = "auto" | "cuda" | "cpu";
export type ExecutionProviderName = "cuda" | "cpu";

/**
 * Whether onnxruntime-node's CUDA provider library is on disk. It is not bundled: a GPU host installs it with
 * `npm run install-cuda` (package.json's allowScripts denies that download by default).
 */
export function cudaProviderInstalled(): boolean {
  try {
    const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
    const binDir = join(dirname(entry), "..", "bin", "napi-v6", process.platform, process.arch);
    return existsSync(join(binDir, "libonnxruntime_providers_cuda.so")) || existsSync(join(binDir, "onnxruntime_providers_cuda.dll"));
  } catch {
    return false;
  }
}

/** The providers to try, in order: a preference, or an explicit list such as ["cuda", "cpu"]. */
export function providerCandidates(preference: ExecutionProviderPreference | readonly ExecutionProviderName[]): ExecutionProviderName[] {
  if (Array.isArray(preference)) return [...new Set(preference as ExecutionProviderName[])];
  switch (preference as ExecutionProviderPreference) {
    case "cpu":
      return ["cpu"];
    case "cuda":
      return ["cuda"];
    case "auto":
    default:
      return cudaProviderInstalled() ? ["cuda", "cpu"] : ["cpu"];
  }
}

export const CUDA_INSTALL_HINT =
  "The CUDA execution provider is not installed. On a GPU host with CUDA 12 and cuDNN 9 on LD_LIBRARY_PATH, " +
  "run `npm run install-cuda` (it downloads the CUDA 12 provider for onnxruntime-node).";
