import type { ModelFamily } from "../inference/index.ts";
import type { InstalledModels } from "../models/installed-models.ts";
import { readRegistry } from "../models/model-registry.ts";
import type { ModelDescription } from "./published-models.ts";

/**
 * What a worker publishes about the models on its disk (its startup model first, then MODELS_DIR's named models):
 * names and commits as jobs record them, where each hub model came from, and each family's defaults, read from the
 * folders' files without loading them (the rule the pipeline applies at load).
 */
export async function describeInstalledModels(
  models: Pick<InstalledModels, "list" | "hasSafetyChecker">,
  options: {
    /** MODELS_DIR, whose registry says where each hub model was downloaded from. */
    modelsDir?: string;
    /** Reads a folder's family (src/services/model-defaults.ts's folderFamilyReader). */
    readFamily: (dir: string) => Promise<ModelFamily>;
  },
): Promise<ModelDescription[]> {
  const registry = options.modelsDir ? await readRegistry(options.modelsDir) : {};
  const installed = await models.list();
  return Promise.all(
    installed.map(async (model, i): Promise<ModelDescription> => {
      const family = await options.readFamily(model.dir);
      const entry = registry[model.name];
      return {
        name: model.name,
        ...(model.commit !== undefined && { commit: model.commit }),
        ...(entry?.source === "hub" && { source: { repo: entry.repo, revision: entry.revision } }),
        family: { name: family.name, label: family.label },
        defaults: family.defaults,
        safetyChecker: await models.hasSafetyChecker(model),
        startup: i === 0,
      };
    }),
  );
}
