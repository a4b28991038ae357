import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSyntheticModel, type SyntheticVariantName } from "../../scripts/synthesize/index.ts";

const SYNTHESIZER_DIR = join(import.meta.dirname, "..", "..", "scripts", "synthesize");

/**
 * A digest of the synthesizer's source. The shared folders live under it, so a folder written by an older synthesizer
 * (left in the temp dir by an earlier run on the same machine) is never taken for today's: it once hid a test that
 * failed on a fresh machine.
 */
const SYNTHESIZER_DIGEST = (() => {
  const hash = createHash("sha256");
  for (const file of readdirSync(SYNTHESIZER_DIR).filter((name) => name.endsWith(".ts")).sort()) hash.update(file).update(readFileSync(join(SYNTHESIZER_DIR, file)));
  return hash.digest("hex").slice(0, 16);
})();

/**
 * A synthesized model folder for tests, shared by every test file of a run (and between runs of the same
 * synthesizer): the synthesizer is deterministic, and ensureSyntheticModel rewrites a folder that is incomplete or of
 * another variant.
 */
export function syntheticModel(variant: SyntheticVariantName = "tiny"): Promise<string> {
  return ensureSyntheticModel(join(tmpdir(), "reroll-test-models", SYNTHESIZER_DIGEST, variant), variant);
}
