import onnxProto from "onnx-proto";
import { at } from "./at.ts";
import { axisNames } from "./axes.ts";
import { timeCondProjDim } from "./family-files.ts";
import { GraphBuilder, type BuiltGraph, type Dim } from "./graph-builder.ts";
import { conv2d, groupNorm, linear, resnetBlock, silu, spatialTransformer, upsample } from "./layers.ts";
import { SIZE_SPECS, type SyntheticVariant } from "./variants.ts";

const { onnx } = onnxProto;

/**
 * A UNet with SD 1.5's structure, shrunk to one ResBlock per level: `sample` [batch, 4, h, w], `timestep` and
 * `encoder_hidden_states` [batch, sequence, contextDim] → `out_sample` [batch, 4, h, w].
 * conv_in; sinusoidal timestep embedding (cos first, like SD) through Linear–SiLU–Linear; down levels of
 * ResBlock (+ cross-attention transformer where SD has one) and a stride-2 conv; a mid block
 * (ResBlock, transformer, ResBlock); up levels that concatenate the skip, then ResBlock (+ transformer) and a
 * nearest 2× upsample with conv; GroupNorm–SiLU–conv_out. h and w must be multiples of 2^(levels − 1).
 */
export function buildUnet(variant: SyntheticVariant, contextDim: number): BuiltGraph {
  const spec = SIZE_SPECS[variant.size].unet;
  const { channels, groups, heads, latentChannels } = spec;
  const axes = axisNames(variant);
  const floatType = variant.precision === "fp16" ? "float16" : "float32";
  const g = new GraphBuilder({ name: "unet", seed: variant.seed, weightType: floatType });
  const toFloat32 = (value: string, type: string): string =>
    type === "float32" ? value : g.op("Cast", [value], { to: onnx.TensorProto.DataType.FLOAT });

  const sample = toFloat32(g.input("sample", floatType, [axes.batch, axes.inputChannels(latentChannels), ...axes.unet]), floatType);
  const timestepShape: Dim[] = { one: [1], batch: [axes.batch], scalar: [] }[variant.timestepShape];
  const timestep = toFloat32(g.input("timestep", variant.timestepType, timestepShape), variant.timestepType);
  const context = toFloat32(g.input("encoder_hidden_states", floatType, [axes.batch, axes.sequence, contextDim]), floatType);

  // Timestep embedding: [n] (n = 1 or the batch; it broadcasts against the sample) → [n, 4·c0].
  const c0 = at(channels, 0);
  const tembDim = 4 * c0;
  const half = c0 / 2;
  const frequencies = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const angles = g.op("Mul", [g.op("Reshape", [timestep, g.constInt64([-1, 1])]), g.constFloat(frequencies, [1, half])]);
  const sinusoid = g.op("Concat", [g.op("Cos", [angles]), g.op("Sin", [angles])], { axis: 1 });
  // LCM-distilled UNets add a projection of the guidance embedding to the sinusoid (diffusers' `cond_proj`).
  const condDim = timeCondProjDim(variant);
  const conditioned = condDim === undefined
    ? sinusoid
    : g.op("Add", [sinusoid, linear(g, toFloat32(g.input("timestep_cond", floatType, [axes.batch, condDim]), floatType), "time_embedding.cond_proj", condDim, c0, false)]);
  const temb = linear(g, silu(g, linear(g, conditioned, "time_embedding.linear_1", c0, tembDim)), "time_embedding.linear_2", tembDim, tembDim);
  const withTime = { value: temb, dim: tembDim };
  const transformer = (x: string, name: string, width: number): string =>
    spatialTransformer(g, x, name, { channels: width, heads, groups, context, contextDim });

  let h = conv2d(g, sample, "conv_in", latentChannels, c0, 3);
  let width = c0;
  const skips: { value: string; channels: number }[] = [];
  channels.forEach((levelChannels, i) => {
    h = resnetBlock(g, h, `down_blocks.${i}.resnets.0`, { inChannels: width, outChannels: levelChannels, groups, temb: withTime });
    width = levelChannels;
    if (spec.attention[i]) h = transformer(h, `down_blocks.${i}.attentions.0`, width);
    skips.push({ value: h, channels: width });
    if (i < channels.length - 1) h = conv2d(g, h, `down_blocks.${i}.downsamplers.0.conv`, width, width, 3, { stride: 2 });
  });

  h = resnetBlock(g, h, "mid_block.resnets.0", { inChannels: width, outChannels: width, groups, temb: withTime });
  h = transformer(h, "mid_block.attentions.0", width);
  h = resnetBlock(g, h, "mid_block.resnets.1", { inChannels: width, outChannels: width, groups, temb: withTime });

  for (let i = channels.length - 1; i >= 0; i--) {
    const up = `up_blocks.${channels.length - 1 - i}`;
    const skip = at(skips, i);
    h = g.op("Concat", [h, skip.value], { axis: 1 });
    h = resnetBlock(g, h, `${up}.resnets.0`, { inChannels: width + skip.channels, outChannels: at(channels, i), groups, temb: withTime });
    width = at(channels, i);
    if (spec.attention[i]) h = transformer(h, `${up}.attentions.0`, width);
    if (i > 0) h = upsample(g, h, `${up}.upsamplers.0`, width);
  }

  let out = conv2d(g, silu(g, groupNorm(g, h, "conv_norm_out", width, groups)), "conv_out", width, latentChannels, 3);
  if (floatType === "float16") out = g.op("Cast", [out], { to: onnx.TensorProto.DataType.FLOAT16 });
  g.output(out, "out_sample", floatType, [axes.batch, latentChannels, ...axes.unet]);
  return g.build();
}
