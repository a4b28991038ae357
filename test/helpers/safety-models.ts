import { mkdtemp, cp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addSyntheticSafetyChecker } from "../../scripts/synthesize/safety-checker.ts";
import { syntheticModel } from "./synthetic-models.ts";

/**
 * A private copy of the tiny synthetic model with a synthesized safety checker that flags images whose mean
 * brightness (in [0, 1]) is above `flagAbove`: -1 flags every image, 2 none.
 */
export async function syntheticModelWithSafetyChecker(flagAbove: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reroll-safety-model-"));
  await cp(await syntheticModel("tiny"), dir, { recursive: true });
  await addSyntheticSafetyChecker(dir, { flagAbove });
  return dir;
}
