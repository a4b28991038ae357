import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSyntheticModel, type SyntheticVariantName } from "../../scripts/synthesize/index.ts";

/**
 * A synthesized model folder for tests, shared by every test file of a run (and between runs): the synthesizer is
 * deterministic, and ensureSyntheticModel rewrites a folder that is incomplete or of another variant.
 */
export function syntheticModel(variant: SyntheticVariantName = "tiny"): Promise<string> {
  return ensureSyntheticModel(join(tmpdir(), "reroll-test-models", variant), variant);
}
