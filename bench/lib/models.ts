import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSyntheticModel } from "../../scripts/synthesize/index.ts";

/**
 * A synthesized model for benchmarks, cached outside the repository (os.tmpdir()/reroll-bench-models/<variant>)
 * so reruns skip the ~10 s write of the 1.8 GiB sd15 folder. Its weights are random: speed is real, images are noise.
 */
export function benchModel(variant: "tiny" | "sd15"): Promise<string> {
  return ensureSyntheticModel(join(tmpdir(), "reroll-bench-models", variant), variant);
}
