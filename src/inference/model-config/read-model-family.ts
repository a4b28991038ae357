// A model folder's family and defaults from its JSON files alone: no graph is loaded, so the bot can tell what empty
// options become for a model that is not resident (or runs on the fleet's workers). The rule is the pipeline's own
// (familyFromConfigs); loading the sessions only adds checks and what a fixed-shape export pins.

import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { configSampleSize, familyFromConfigs, type GenerationDefaults, type ModelFamily } from "../pipeline/model-family.ts";
import { readFolderConfigs } from "../pipeline/model-folder.ts";
import { loadSchedulerConfig } from "../schedulers/create-scheduler.ts";
import { SD15_SCHEDULER_CONFIG, type SchedulerConfigFile } from "../schedulers/scheduler-config.ts";

/** A folder's family read from its files, and what it had to assume. */
export interface FamilyReading {
  family: ModelFamily;
  /** What the folder did not say and was assumed, one sentence each (for logs and `models list`); empty when nothing was. */
  assumed: string[];
}

/** SD 1.5's family: what a folder whose configs cannot be read is taken for. */
export const SD15_FAMILY: Readonly<ModelFamily> = familyFromConfigs({
  dir: "SD 1.5",
  schedulerConfig: { ...SD15_SCHEDULER_CONFIG },
  textWidth: 768,
  timeCondProjDim: undefined,
  padsWithOtherThanEos: false,
  size: undefined,
});

/**
 * Reads `scheduler/scheduler_config.json`, `unet/config.json` (`time_cond_proj_dim`, `sample_size`,
 * `cross_attention_dim`), `text_encoder/config.json` (`hidden_size`), the tokenizer's pad and eos tokens and the VAE
 * config's depth, and decides the family as the pipeline does at load. Never throws for the folder's content: a
 * folder whose configs cannot be used is taken for SD 1.5, and `assumed` says why.
 */
export async function readModelFamily(dir: string): Promise<FamilyReading> {
  const assumed: string[] = [];
  let schedulerConfig: SchedulerConfigFile;
  try {
    schedulerConfig = await loadSchedulerConfig(dir);
  } catch (error) {
    return { family: SD15_FAMILY, assumed: [`${(error as Error).message}: SD 1.5's defaults assumed`] };
  }
  if (!(await exists(join(dir, "scheduler", "scheduler_config.json")))) assumed.push("no scheduler/scheduler_config.json: SD 1.5's scheduler assumed");
  const { unetConfig, vaeScaleFactor } = await readFolderConfigs(dir);
  const textConfig = await readJson(join(dir, "text_encoder", "config.json"));
  const textWidth = positiveInt(textConfig?.hidden_size) ?? positiveInt(unetConfig?.cross_attention_dim);
  if (!unetConfig) assumed.push("no unet/config.json (an older export): SD 1.x's native size assumed, and an LCM-distilled UNet is not recognised");
  else if (textWidth === undefined) assumed.push("no text width in text_encoder/config.json or unet/config.json: SD 1.x's 768 assumed");
  try {
    const family = familyFromConfigs({
      dir,
      schedulerConfig,
      textWidth,
      timeCondProjDim: positiveInt(unetConfig?.time_cond_proj_dim),
      padsWithOtherThanEos: await padsWithOtherThanEos(join(dir, "tokenizer")),
      size: configSampleSize({ unetConfig, vaeScaleFactor }),
    });
    return { family, assumed };
  } catch (error) {
    return { family: SD15_FAMILY, assumed: [`${(error as Error).message}: SD 1.5's defaults assumed`] };
  }
}

/** The defaults of {@link readModelFamily}'s family: what a generation on `dir` uses for each option it is not given. */
export async function readModelDefaults(dir: string): Promise<GenerationDefaults> {
  return (await readModelFamily(dir)).family.defaults;
}

/** Whether the tokenizer pads with a token other than eos (the special tokens map wins, as in transformers; pad defaults to eos). */
async function padsWithOtherThanEos(tokenizerDir: string): Promise<boolean> {
  const map = await readJson(join(tokenizerDir, "special_tokens_map.json"));
  const config = await readJson(join(tokenizerDir, "tokenizer_config.json"));
  const token = (key: string) => tokenContent(map?.[key]) ?? tokenContent(config?.[key]);
  const pad = token("pad_token");
  return pad !== undefined && pad !== (token("eos_token") ?? "<|endoftext|>");
}

/** A special token as written: a string, or transformers' AddedToken object with its `content`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && typeof (value as { content?: unknown }).content === "string") return (value as { content: string }).content;
  return undefined;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
