/** The JSON and Markdown files of a synthetic model folder (everything but the models and the tokenizer). */
import { SCALING_FACTOR } from "./vae.ts";
import { SIZE_SPECS, type SyntheticVariant } from "./variants.ts";

/** The key in model_index.json that marks a folder as synthetic and records its variant. */
export const SYNTHETIC_MARKER = "_reroll_synthetic";

/** model_index.json as diffusers' ONNX pipeline writes it, plus the synthetic marker. */
export function modelIndex(variant: SyntheticVariant): unknown {
  return {
    _class_name: "OnnxStableDiffusionPipeline",
    _diffusers_version: "0.30.0",
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ["diffusers", "PNDMScheduler"],
    text_encoder: ["diffusers", "OnnxRuntimeModel"],
    tokenizer: ["transformers", "CLIPTokenizer"],
    unet: ["diffusers", "OnnxRuntimeModel"],
    vae_decoder: ["diffusers", "OnnxRuntimeModel"],
    vae_encoder: ["diffusers", "OnnxRuntimeModel"],
    [SYNTHETIC_MARKER]: variant,
  };
}

/**
 * SD 1.5's scheduler/scheduler_config.json exactly as published: no `timestep_spacing` or `prediction_type`, so each
 * scheduler built from it takes its own diffusers defaults for those, as it does with the real model.
 */
export const SCHEDULER_CONFIG = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

/** An AutoencoderKL config.json (as optimum writes beside each VAE part), carrying `scaling_factor`. */
export function vaeConfig(variant: SyntheticVariant): unknown {
  const { channels, groups, latentChannels } = SIZE_SPECS[variant.size].vae;
  return {
    _class_name: "AutoencoderKL",
    act_fn: "silu",
    block_out_channels: channels,
    in_channels: 3,
    latent_channels: latentChannels,
    layers_per_block: 1,
    norm_num_groups: groups,
    out_channels: 3,
    sample_size: 512,
    scaling_factor: SCALING_FACTOR,
  };
}

/** SYNTHETIC.md: says plainly that the weights are random. */
export function syntheticReadme(variant: SyntheticVariant): string {
  return `# Synthetic model: random weights, images are noise

This folder was written by Reroll's \`npm run synthesize-model\`. It has the file layout and the input and output
names of a Stable Diffusion ONNX export (family: ${variant.family ?? "sd15"}), but **its weights are seeded random numbers**: it was never trained,
and every image it makes is structured noise. It exists so that tests and a first local run work without
downloading real weights. For real images, point MODEL_DIR at a real SD 1.5 ONNX export.

- Variant: \`${JSON.stringify(variant)}\`
- The VAE encoder's \`latent_sample\` is the latent mean (deterministic), unlike diffusers' export, which draws a sample.
- The tokenizer is a tiny self-made byte-level BPE vocabulary in CLIP's format, not CLIP's.
`;
}
