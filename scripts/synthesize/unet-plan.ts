/**
 * SD 1.5's UNet (diffusers' UNet2DConditionModel with its v1.5 config) as a list of blocks: what the full-structure
 * synthetic UNet is built from (unet-full.ts), and what its parameters and FLOPs are counted from (unet-cost.ts),
 * so the count and the graph cannot drift apart.
 */
import type { SizeSpec } from "./variants.ts";

/** ResBlocks per down level (diffusers' `layers_per_block`); up levels have one more. */
export const LAYERS_PER_BLOCK = 2;

/** The UNet's layer widths: a size's spec, or a narrower copy in tests. */
export type UnetSpec = SizeSpec["unet"];

/**
 * One block of the plan, in execution order. `scale` is how many times the latent is downsampled where the block
 * runs (1, 2, 4, 8). `push` marks a block whose output is kept as a skip for the up path; `skip` on a ResBlock is
 * the width of the skip it concatenates first.
 */
export type UnetBlock =
  | { kind: "conv_in"; name: string; in: number; out: number; scale: number; push: true }
  | { kind: "resnet"; name: string; in: number; out: number; skip: number; scale: number; push: boolean }
  | { kind: "transformer"; name: string; channels: number; scale: number; push: boolean }
  | { kind: "downsample"; name: string; channels: number; scale: number; push: true }
  | { kind: "upsample"; name: string; channels: number; scale: number }
  | { kind: "conv_out"; name: string; in: number; out: number; scale: number };

/** The whole plan: the time embedding's widths and the blocks. */
export interface UnetPlan {
  spec: UnetSpec;
  contextDim: number;
  /** Width of `timestep_cond` (LCM-distilled UNets' `time_cond_proj_dim`), when the UNet takes one. */
  condDim: number | undefined;
  /** The sinusoid's width (the first level's channels) and the embedding's (4×). */
  timeEmbedding: { in: number; out: number };
  blocks: UnetBlock[];
}

/**
 * diffusers' block layout: conv_in; per level `LAYERS_PER_BLOCK` ResBlocks (each followed by a transformer where
 * the level has attention) and a stride-2 downsampler except on the last level; the mid block (ResBlock,
 * transformer, ResBlock); per level from the deepest `LAYERS_PER_BLOCK + 1` ResBlocks, each concatenating the
 * latest skip, (+ transformer) and a 2× upsampler except on the last; GroupNorm–SiLU–conv_out.
 */
export function fullUnetPlan(spec: UnetSpec, contextDim: number, condDim?: number): UnetPlan {
  const { channels, attention, latentChannels } = spec;
  const levels = channels.length;
  const first = channelsAt(channels, 0);
  const blocks: UnetBlock[] = [{ kind: "conv_in", name: "conv_in", in: latentChannels, out: first, scale: 1, push: true }];
  const skips: number[] = [first];

  let width = first;
  for (let i = 0; i < levels; i++) {
    const out = channelsAt(channels, i);
    const scale = 2 ** i;
    for (let j = 0; j < LAYERS_PER_BLOCK; j++) {
      const prefix = `down_blocks.${i}`;
      blocks.push({ kind: "resnet", name: `${prefix}.resnets.${j}`, in: width, out, skip: 0, scale, push: !attention[i] });
      if (attention[i]) blocks.push({ kind: "transformer", name: `${prefix}.attentions.${j}`, channels: out, scale, push: true });
      width = out;
      skips.push(out);
    }
    if (i < levels - 1) {
      blocks.push({ kind: "downsample", name: `down_blocks.${i}.downsamplers.0.conv`, channels: width, scale, push: true });
      skips.push(width);
    }
  }

  const deepest = 2 ** (levels - 1);
  blocks.push(
    { kind: "resnet", name: "mid_block.resnets.0", in: width, out: width, skip: 0, scale: deepest, push: false },
    { kind: "transformer", name: "mid_block.attentions.0", channels: width, scale: deepest, push: false },
    { kind: "resnet", name: "mid_block.resnets.1", in: width, out: width, skip: 0, scale: deepest, push: false },
  );

  for (let u = 0; u < levels; u++) {
    const level = levels - 1 - u;
    const out = channelsAt(channels, level);
    const scale = 2 ** level;
    for (let j = 0; j <= LAYERS_PER_BLOCK; j++) {
      const skip = skips.pop();
      if (skip === undefined) throw new Error("unreachable: the up path takes exactly the skips the down path kept");
      blocks.push({ kind: "resnet", name: `up_blocks.${u}.resnets.${j}`, in: width, out, skip, scale, push: false });
      if (attention[level]) blocks.push({ kind: "transformer", name: `up_blocks.${u}.attentions.${j}`, channels: out, scale, push: false });
      width = out;
    }
    if (level > 0) blocks.push({ kind: "upsample", name: `up_blocks.${u}.upsamplers.0`, channels: width, scale });
  }
  blocks.push({ kind: "conv_out", name: "conv_out", in: width, out: latentChannels, scale: 1 });
  return { spec, contextDim, condDim, timeEmbedding: { in: first, out: 4 * first }, blocks };
}

function channelsAt(channels: readonly number[], level: number): number {
  const width = channels[level];
  if (width === undefined) throw new Error(`The UNet spec has no level ${level}`);
  return width;
}
