/**
 * What makes a synthetic folder one model family or another: the text encoder's width, the tokenizer's pad token,
 * the scheduler config and the UNet's config (its native size and, for LCM, the guidance embedding's width).
 * The values are the published models' own (stabilityai/stable-diffusion-2-1, stabilityai/sd-turbo,
 * SimianLuo/LCM_Dreamshaper_v7); SD 1.5's scheduler file is folder-files.ts' SCHEDULER_CONFIG.
 */
import { SCHEDULER_CONFIG } from "./folder-files.ts";
import { SIZE_SPECS, type SyntheticFamily, type SyntheticVariant } from "./variants.ts";

/** The width of SD 2.x's OpenCLIP ViT-H text encoder (SD 1.x's CLIP ViT-L is 768). */
export const SD2_TEXT_WIDTH = 1024;
/** LCM_Dreamshaper_v7's `time_cond_proj_dim`. */
export const LCM_TIME_COND_PROJ_DIM = 256;

const SHARED_BETAS = { beta_end: 0.012, beta_schedule: "scaled_linear", beta_start: 0.00085, num_train_timesteps: 1000, trained_betas: null };

const SCHEDULER_CONFIGS: Record<Exclude<SyntheticFamily, "sd15">, Record<string, unknown>> = {
  sd2: {
    _class_name: "DDIMScheduler", _diffusers_version: "0.8.0", ...SHARED_BETAS, clip_sample: false,
    prediction_type: "v_prediction", set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1,
  },
  "sd-turbo": {
    _class_name: "EulerDiscreteScheduler", _diffusers_version: "0.24.0", ...SHARED_BETAS, clip_sample: false,
    interpolation_type: "linear", prediction_type: "epsilon", sample_max_value: 1.0, set_alpha_to_one: false,
    skip_prk_steps: true, steps_offset: 1, timestep_spacing: "trailing", use_karras_sigmas: false,
  },
  lcm: {
    _class_name: "LCMScheduler", _diffusers_version: "0.22.0", ...SHARED_BETAS, clip_sample: false, clip_sample_range: 1.0,
    dynamic_thresholding_ratio: 0.995, original_inference_steps: 50, prediction_type: "epsilon", rescale_betas_zero_snr: false,
    sample_max_value: 1.0, set_alpha_to_one: true, steps_offset: 1, thresholding: false, timestep_scaling: 10.0,
    timestep_spacing: "leading",
  },
};

/** The family of a variant (SD 1.5 when unset). */
export function familyOf(variant: SyntheticVariant): SyntheticFamily {
  return variant.family ?? "sd15";
}

/** The text encoder's width: SD 2's 1024 for the sd2 family, else the size's own. */
export function textWidth(variant: SyntheticVariant): number {
  return familyOf(variant) === "sd2" ? SD2_TEXT_WIDTH : SIZE_SPECS[variant.size].text.hidden;
}

/** The width of the UNet's `timestep_cond` input, for LCM-distilled UNets only. */
export function timeCondProjDim(variant: SyntheticVariant): number | undefined {
  return familyOf(variant) === "lcm" ? LCM_TIME_COND_PROJ_DIM : undefined;
}

/** scheduler/scheduler_config.json of the family. */
export function schedulerConfig(variant: SyntheticVariant): unknown {
  const family = familyOf(variant);
  return family === "sd15" ? SCHEDULER_CONFIG : SCHEDULER_CONFIGS[family];
}

/** The tokenizer's pad token: SD 2's OpenCLIP pads with `!` (id 0), SD 1.x with `<|endoftext|>`. */
export function padToken(variant: SyntheticVariant): "!" | undefined {
  return familyOf(variant) === "sd2" ? "!" : undefined;
}

/** unet/config.json, as diffusers writes it, with the keys the pipeline reads. */
export function unetConfig(variant: SyntheticVariant): unknown {
  const spec = SIZE_SPECS[variant.size].unet;
  return {
    _class_name: "UNet2DConditionModel",
    block_out_channels: spec.channels,
    cross_attention_dim: textWidth(variant),
    in_channels: spec.latentChannels,
    out_channels: spec.latentChannels,
    // Latent size: 2.1 was trained at 768 (96 latents), the others at 512.
    sample_size: familyOf(variant) === "sd2" ? 96 : 64,
    time_cond_proj_dim: timeCondProjDim(variant) ?? null,
  };
}
