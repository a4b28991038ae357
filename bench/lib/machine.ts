import { cpus, platform, release, totalmem } from "node:os";
import { cudaProviderInstalled } from "../../src/inference/index.ts";
import { ortVersion } from "../../src/inference/onnx/ort.ts";

/** The machine a run was measured on: numbers from different machines are not comparable. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  onnxruntime: string;
  /** The execution provider the benchmarks ran on ("cpu" unless the CUDA provider is installed and asked for). */
  executionProvider: string;
  cudaProviderInstalled: boolean;
}

export function machineInfo(executionProvider = "cpu"): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntime: ortVersion,
    executionProvider,
    cudaProviderInstalled: cudaProviderInstalled(),
  };
}
