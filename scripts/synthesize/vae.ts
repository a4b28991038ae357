import onnxProto from "onnx-proto";
import { at } from "./at.ts";
import { axisNames } from "./axes.ts";
import { GraphBuilder, type BuiltGraph } from "./graph-builder.ts";
import { conv2d, groupNorm, resnetBlock, silu, spatialSelfAttention, upsample } from "./layers.ts";
import { SIZE_SPECS, type SyntheticVariant } from "./variants.ts";

const { onnx } = onnxProto;

/** SD 1.x's latent scaling factor; the encoder's mean is divided by it so scaled latents have about unit spread. */
export const SCALING_FACTOR = 0.18215;
/** The VAE's GroupNorm epsilon (diffusers' AutoencoderKL). */
const EPSILON = 1e-6;
/** The centre of the synthetic log-variance: a narrow distribution, as a trained VAE's is. */
const LOGVAR_CENTRE = -5;

/**
 * The VAE encoder: `sample` [batch, 3, H, W] in [−1, 1] → `latent_sample` [batch, 4, H/8, W/8] or
 * `latent_parameters` [batch, 8, H/8, W/8] (mean ‖ logvar). conv_in, one ResBlock per level with three
 * stride-2 convs (SD's asymmetric padding), mid ResBlock–attention–ResBlock, GroupNorm–SiLU–conv_out, quant_conv.
 * Unlike diffusers' script, whose graph draws a random sample, `latent_sample` here is the mean: deterministic.
 */
export function buildVaeEncoder(variant: SyntheticVariant): BuiltGraph {
  const { channels, groups, latentChannels } = SIZE_SPECS[variant.size].vae;
  const axes = axisNames(variant);
  const floatType = variant.precision === "fp16" ? "float16" : "float32";
  const g = new GraphBuilder({ name: "vae_encoder", seed: variant.seed, weightType: floatType });

  let h = g.input("sample", floatType, [axes.batch, axes.inputChannels(3), ...axes.image]);
  if (floatType === "float16") h = g.op("Cast", [h], { to: onnx.TensorProto.DataType.FLOAT });
  h = conv2d(g, h, "encoder.conv_in", 3, at(channels, 0), 3);
  let width = at(channels, 0);
  channels.forEach((levelChannels, i) => {
    h = resnetBlock(g, h, `encoder.down_blocks.${i}.resnets.0`, { inChannels: width, outChannels: levelChannels, groups, epsilon: EPSILON });
    width = levelChannels;
    if (i < channels.length - 1) {
      h = conv2d(g, h, `encoder.down_blocks.${i}.downsamplers.0.conv`, width, width, 3, { stride: 2, pads: [0, 0, 1, 1] });
    }
  });
  h = midBlock(g, h, "encoder.mid_block", width, groups);
  h = conv2d(g, silu(g, groupNorm(g, h, "encoder.conv_norm_out", width, groups, EPSILON)), "encoder.conv_out", width, 2 * latentChannels, 3);
  const moments = conv2d(g, h, "quant_conv", 2 * latentChannels, 2 * latentChannels, 1);

  const moment = g.ops("Split", [moments, g.constInt64([latentChannels, latentChannels])], { axis: 1 }, 2);
  const [meanRaw, logvarRaw] = [at(moment, 0), at(moment, 1)];
  const mean = g.op("Mul", [meanRaw, g.constFloat([1 / SCALING_FACTOR], [])]);
  let out: string;
  if (variant.vaeEncoderOutput === "latent_sample") {
    out = mean;
  } else {
    const logvar = g.op("Add", [g.op("Mul", [logvarRaw, g.constFloat([0.1], [])]), g.constFloat([LOGVAR_CENTRE], [])]);
    out = g.op("Concat", [mean, logvar], { axis: 1 });
  }
  if (floatType === "float16") out = g.op("Cast", [out], { to: onnx.TensorProto.DataType.FLOAT16 });
  const outChannels = variant.vaeEncoderOutput === "latent_sample" ? latentChannels : 2 * latentChannels;
  g.output(out, variant.vaeEncoderOutput, floatType, [axes.batch, outChannels, ...axes.latent]);
  return g.build();
}

/**
 * The VAE decoder: `latent_sample` [batch, 4, h, w] (latents / 0.18215) → `sample` [batch, 3, 8h, 8w] in (−1, 1).
 * post_quant_conv, conv_in, mid ResBlock–attention–ResBlock, one ResBlock per level with three nearest 2×
 * upsamples, GroupNorm–SiLU–conv_out, then tanh to keep the range of a trained decoder's output.
 */
export function buildVaeDecoder(variant: SyntheticVariant): BuiltGraph {
  const { channels, groups, latentChannels } = SIZE_SPECS[variant.size].vae;
  const axes = axisNames(variant);
  const floatType = variant.precision === "fp16" ? "float16" : "float32";
  const g = new GraphBuilder({ name: "vae_decoder", seed: variant.seed, weightType: floatType });

  let h = g.input("latent_sample", floatType, [axes.batch, axes.inputChannels(latentChannels), ...axes.latent]);
  if (floatType === "float16") h = g.op("Cast", [h], { to: onnx.TensorProto.DataType.FLOAT });
  h = conv2d(g, h, "post_quant_conv", latentChannels, latentChannels, 1);
  let width = at(channels, channels.length - 1);
  h = conv2d(g, h, "decoder.conv_in", latentChannels, width, 3);
  h = midBlock(g, h, "decoder.mid_block", width, groups);
  for (let i = channels.length - 1; i >= 0; i--) {
    const up = `decoder.up_blocks.${channels.length - 1 - i}`;
    h = resnetBlock(g, h, `${up}.resnets.0`, { inChannels: width, outChannels: at(channels, i), groups, epsilon: EPSILON });
    width = at(channels, i);
    if (i > 0) h = upsample(g, h, `${up}.upsamplers.0`, width);
  }
  h = conv2d(g, silu(g, groupNorm(g, h, "decoder.conv_norm_out", width, groups, EPSILON)), "decoder.conv_out", width, 3, 3);
  let out = g.op("Tanh", [h]);
  if (floatType === "float16") out = g.op("Cast", [out], { to: onnx.TensorProto.DataType.FLOAT16 });
  g.output(out, "sample", floatType, [axes.batch, 3, ...axes.image]);
  return g.build();
}

function midBlock(g: GraphBuilder, x: string, name: string, channels: number, groups: number): string {
  let h = resnetBlock(g, x, `${name}.resnets.0`, { inChannels: channels, outChannels: channels, groups, epsilon: EPSILON });
  h = spatialSelfAttention(g, h, `${name}.attentions.0`, channels, groups);
  return resnetBlock(g, h, `${name}.resnets.1`, { inChannels: channels, outChannels: channels, groups, epsilon: EPSILON });
}
