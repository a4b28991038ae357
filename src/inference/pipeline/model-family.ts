import type { ValueInfo } from "../onnx/model-session.ts";
import { defaultSchedulerName } from "../schedulers/create-scheduler.ts";
import type { SchedulerName } from "../schedulers/scheduler.ts";
import type { SchedulerConfigFile } from "../schedulers/scheduler-config.ts";
import { ModelFolderError } from "./errors.ts";
import type { ModelFolder } from "./model-folder.ts";

/** The Stable Diffusion families the pipeline runs, each with diffusers' semantics. */
export type ModelFamilyName = "sd1" | "sd2" | "sd-turbo" | "lcm" | "lcm-lora";

/** What a generation uses for every option it is not given. */
export interface GenerationDefaults {
  scheduler: SchedulerName;
  steps: number;
  guidanceScale: number;
  /** The model's native size (txt2img's default; img2img's pixel budget is width × height). */
  width: number;
  height: number;
  /**
   * img2img's own steps and strength, for a family whose txt2img steps leave img2img no denoising step (SD-Turbo's
   * 1 step × any strength < 1). Absent: img2img takes {@link steps} and the pipeline's default strength.
   */
  img2img?: { steps: number; strength: number };
  /**
   * The UNet is LCM-distilled (it takes `timestep_cond`): img2img with the LCM scheduler then follows diffusers'
   * LatentConsistencyModelImg2ImgPipeline (the strength shortens the distillation schedule and every step runs).
   * Absent: img2img slices the schedule as StableDiffusionImg2ImgPipeline's get_timesteps does, LCM-LoRA included.
   */
  lcmDistilled?: true;
}

/** A loaded model's family, recognised from the folder's own configs and the sessions' inputs. */
export interface ModelFamily {
  name: ModelFamilyName;
  /** For logs and the CLI, e.g. "SD 2.x (v_prediction)". */
  label: string;
  /** `time_cond_proj_dim` of an LCM-distilled UNet, which takes diffusers' guidance embedding as `timestep_cond`. */
  timeCondProjDim: number | undefined;
  /** Width of the text embeddings the UNet attends to (768 for SD 1.x, 1024 for SD 2.x). */
  textWidth: number;
  defaults: GenerationDefaults;
}

type FamilyDefaults = Pick<GenerationDefaults, "steps" | "guidanceScale" | "img2img"> & { label: string };

/** Steps and guidance per family: diffusers' pipelines' and the model cards' recommendations. */
const FAMILY_DEFAULTS: Record<ModelFamilyName, FamilyDefaults> = {
  sd1: { steps: 30, guidanceScale: 7.5, label: "SD 1.x" },
  sd2: { steps: 30, guidanceScale: 7.5, label: "SD 2.x" },
  // sd-turbo's model card: 1 step, guidance 0 (no classifier-free guidance); diffusers' sd-turbo img2img example:
  // num_inference_steps=2, strength=0.5 (one denoising step).
  "sd-turbo": { steps: 1, guidanceScale: 0, img2img: { steps: 2, strength: 0.5 }, label: "SD-Turbo" },
  // LatentConsistencyModelPipeline's default guidance, fed to the UNet as an embedding of w = 8.5 − 1.
  lcm: { steps: 4, guidanceScale: 8.5, label: "LCM" },
  // LCM-LoRA's documented use: 4 steps, guidance 1 to 2 (1 turns classifier-free guidance off).
  "lcm-lora": { steps: 4, guidanceScale: 1, label: "LCM-LoRA" },
};

/** The UNet inputs the pipeline knows how to feed. */
const KNOWN_UNET_INPUTS = new Set(["sample", "timestep", "encoder_hidden_states", "timestep_cond"]);

/**
 * What the family is decided from, all of it readable from the folder's JSON files (see readModelFamily); the
 * pipeline fills in what the loaded sessions fix (text width, `timestep_cond`, a fixed sample shape).
 */
export interface FamilyConfigs {
  dir: string;
  schedulerConfig: SchedulerConfigFile;
  /** The width of the text embeddings; `undefined` when nothing says (SD 1.x's 768 is then assumed). */
  textWidth: number | undefined;
  /** `time_cond_proj_dim` when the UNet takes `timestep_cond` (LCM-distilled), else `undefined`. */
  timeCondProjDim: number | undefined;
  /** Whether the tokenizer pads with a token other than eos (SD 2's OpenCLIP pads with `!`). */
  padsWithOtherThanEos: boolean;
  /** The native size in pixels when the folder says (a fixed sample shape or unet/config.json's `sample_size`). */
  size: { width: number; height: number } | undefined;
}

/**
 * The one rule from configs to family: LCM-distilled when the UNet takes `timestep_cond`; LCM-LoRA when the
 * scheduler config names LCMScheduler; SD-Turbo when it names EulerDiscreteScheduler with `trailing` spacing;
 * otherwise SD 2.x when the text embeddings are 1024 wide (or, for widths of neither family, the tokenizer pads
 * with a token other than eos, as OpenCLIP does), else SD 1.x. The prediction type stays in the scheduler config,
 * which every scheduler reads.
 * @throws {ModelFolderError} when the scheduler config names a scheduler we cannot run.
 */
export function familyFromConfigs(configs: FamilyConfigs): ModelFamily {
  const { schedulerConfig, timeCondProjDim } = configs;
  const textWidth = configs.textWidth ?? 768;
  let scheduler: SchedulerName;
  try {
    scheduler = defaultSchedulerName(schedulerConfig);
  } catch (error) {
    throw new ModelFolderError(`${configs.dir}: cannot pick a scheduler: ${(error as Error).message}`, { cause: error });
  }
  const className = schedulerConfig._class_name;
  const name: ModelFamilyName =
    timeCondProjDim !== undefined ? "lcm"
    : className === "LCMScheduler" ? "lcm-lora"
    : className === "EulerDiscreteScheduler" && schedulerConfig.timestep_spacing === "trailing" ? "sd-turbo"
    : textWidth === 1024 || (textWidth !== 768 && configs.padsWithOtherThanEos) ? "sd2"
    : "sd1";
  const { label, ...defaults } = FAMILY_DEFAULTS[name];
  const prediction = typeof schedulerConfig.prediction_type === "string" ? schedulerConfig.prediction_type : "epsilon";
  // Without a fixed shape or unet/config.json: SD 2.x's v-prediction models (2.0-v, 2.1) were trained at 768.
  const fallbackSide = name === "sd2" && prediction === "v_prediction" ? 768 : 512;
  const size = configs.size ?? { width: fallbackSide, height: fallbackSide };
  return {
    name,
    label: `${label} (${prediction}, ${size.width}×${size.height})`,
    timeCondProjDim,
    textWidth,
    defaults: { scheduler, ...defaults, ...size, ...(name === "lcm" && { lcmDistilled: true as const }) },
  };
}

/** What the pipeline recognises the family from: the folder and its loaded sessions. */
export interface FamilyEvidence {
  model: ModelFolder;
  schedulerConfig: SchedulerConfigFile;
  unetInputs: ReadonlyMap<string, ValueInfo>;
  /** The text encoder's `last_hidden_state` [batch, sequence, width]. */
  textOutput: ValueInfo | undefined;
  /** Whether the tokenizer pads with a token other than eos (SD 2's OpenCLIP pads with `!`). */
  padsWithOtherThanEos: boolean;
}

/**
 * Recognises a loaded model's family: the sessions' inputs are checked and fix the text width, `timestep_cond` and
 * (when the export fixes it) the native size; the rest is {@link familyFromConfigs}, the rule readModelFamily uses.
 * @throws {ModelFolderError} naming what was found when the UNet takes inputs no family has, its text width does not
 * match the text encoder's, or the scheduler config names a scheduler we cannot run.
 */
export function recognizeFamily(evidence: FamilyEvidence): ModelFamily {
  const { model, schedulerConfig, unetInputs } = evidence;
  const unknown = [...unetInputs.keys()].filter((name) => !KNOWN_UNET_INPUTS.has(name));
  if (unknown.length) {
    throw new ModelFolderError(
      `${model.dir}: unet/model.onnx takes ${unknown.map((n) => `\`${n}\``).join(", ")}, which no supported family has ` +
        "(SD 1.x, SD 2.x, SD-Turbo, LCM; SDXL's UNet takes text_embeds and time_ids and is not supported)",
    );
  }
  return familyFromConfigs({
    dir: model.dir,
    schedulerConfig,
    textWidth: checkTextWidth(evidence),
    timeCondProjDim: unetInputs.has("timestep_cond") ? condDim(evidence) : undefined,
    padsWithOtherThanEos: evidence.padsWithOtherThanEos,
    size: fixedSampleSize(evidence) ?? configSampleSize(model),
  });
}

/** The native size from unet/config.json's `sample_size` times the VAE's scale; `undefined` without one. */
export function configSampleSize(model: Pick<ModelFolder, "unetConfig" | "vaeScaleFactor">): { width: number; height: number } | undefined {
  const sampleSize = model.unetConfig?.sample_size;
  if (typeof sampleSize !== "number" || sampleSize <= 0) return undefined;
  return { width: sampleSize * model.vaeScaleFactor, height: sampleSize * model.vaeScaleFactor };
}

/** The text encoder's width, from its output or, when that axis is dynamic, from the UNet's cross-attention input. */
function checkTextWidth({ model, unetInputs, textOutput }: FamilyEvidence): number {
  const fromText = fixedDim(textOutput?.shape, 2);
  const fromUnet = fixedDim(unetInputs.get("encoder_hidden_states")?.shape, 2);
  if (fromText !== undefined && fromUnet !== undefined && fromText !== fromUnet) {
    throw new ModelFolderError(`${model.dir}: the text encoder gives ${fromText}-wide embeddings but the UNet takes ${fromUnet}-wide ones`);
  }
  const width = fromText ?? fromUnet;
  if (width === undefined) throw new ModelFolderError(`${model.dir}: neither the text encoder's output nor the UNet's encoder_hidden_states has a fixed width`);
  return width;
}

/** `time_cond_proj_dim`: the `timestep_cond` input's last axis, else unet/config.json's key. */
function condDim({ model, unetInputs }: FamilyEvidence): number {
  const fromInput = fixedDim(unetInputs.get("timestep_cond")?.shape, 1);
  const fromConfig = model.unetConfig?.time_cond_proj_dim;
  const dim = fromInput ?? (typeof fromConfig === "number" ? fromConfig : undefined);
  if (dim === undefined) {
    throw new ModelFolderError(`${model.dir}: the UNet takes \`timestep_cond\` but neither its shape nor unet/config.json's time_cond_proj_dim gives its width`);
  }
  return dim;
}

/** The UNet's sample size in pixels when the export fixes it. */
function fixedSampleSize({ model, unetInputs }: FamilyEvidence): { width: number; height: number } | undefined {
  const shape = unetInputs.get("sample")?.shape;
  const [h, w] = [fixedDim(shape, 2), fixedDim(shape, 3)];
  return h !== undefined && w !== undefined ? { width: w * model.vaeScaleFactor, height: h * model.vaeScaleFactor } : undefined;
}

function fixedDim(shape: readonly (number | string)[] | undefined, axis: number): number | undefined {
  const dim = shape?.[axis];
  return typeof dim === "number" && dim > 0 ? dim : undefined;
}
