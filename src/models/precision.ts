/** Which weight precision to download: the MODEL_PRECISION setting, where `auto` means fp16 on CUDA hosts. */
import type { Precision } from "./file-selection.ts";

/** MODEL_PRECISION's values. */
export const PRECISION_SETTINGS = ["auto", "fp32", "fp16"] as const;
export type PrecisionSetting = (typeof PRECISION_SETTINGS)[number];

/**
 * fp16 halves the download and the GPU memory; ONNX Runtime's CPU provider runs fp16 graphs slowly or not at all,
 * so `auto` takes fp16 only where CUDA will run the model.
 */
export function choosePrecision(setting: PrecisionSetting, executionProvider: "auto" | "cuda" | "cpu", cudaInstalled: boolean): Precision {
  if (setting !== "auto") return setting;
  return executionProvider === "cuda" || (executionProvider === "auto" && cudaInstalled) ? "fp16" : "fp32";
}
