/**
 * What a UNet plan (unet-plan.ts) weighs and costs, counted from the plan alone: parameters exactly as diffusers'
 * modules hold them (and as unet-full.ts writes them), and the FLOPs of one evaluation.
 */
import type { UnetBlock, UnetPlan } from "./unet-plan.ts";

/** The elements of every weight and bias of the plan: SD 1.5's UNet has 859,520,964. */
export function unetParameterCount(plan: UnetPlan): number {
  const { in: c0, out: temb } = plan.timeEmbedding;
  const timeEmbedding = c0 * temb + temb + temb * temb + temb + (plan.condDim ?? 0) * c0;
  return plan.blocks.reduce((sum, block) => sum + blockParameters(block, temb, plan.contextDim), timeEmbedding);
}

function blockParameters(block: UnetBlock, temb: number, contextDim: number): number {
  switch (block.kind) {
    case "conv_in":
      return conv(block.in, block.out, 3);
    case "resnet": {
      const input = block.in + block.skip;
      const shortcut = input === block.out ? 0 : conv(input, block.out, 1);
      return 2 * input + conv(input, block.out, 3) + temb * block.out + block.out + 2 * block.out + conv(block.out, block.out, 3) + shortcut;
    }
    case "transformer": {
      const c = block.channels;
      const selfAttention = 4 * c * c + c;
      const crossAttention = 2 * c * c + 2 * contextDim * c + c;
      const feedForward = c * 8 * c + 8 * c + 4 * c * c + c;
      // GroupNorm and three LayerNorms (scale and shift each), 1×1 proj_in and proj_out.
      return 2 * c + 3 * 2 * c + 2 * conv(c, c, 1) + selfAttention + crossAttention + feedForward;
    }
    case "downsample":
    case "upsample":
      return conv(block.channels, block.channels, 3);
    case "conv_out":
      return 2 * block.in + conv(block.in, block.out, 3);
  }
}

function conv(inChannels: number, outChannels: number, kernel: number): number {
  return inChannels * outChannels * kernel * kernel + outChannels;
}

/** Where one UNet evaluation runs. */
export interface UnetWorkload {
  /** Latent height and width (64 for 512² images). */
  height: number;
  width: number;
  /** Rows of the batch (2 with classifier-free guidance). @default 1 */
  batch?: number;
  /** Text tokens the cross-attention reads. @default 77 */
  sequence?: number;
}

/**
 * FLOPs of one UNet evaluation (a multiply-add counts 2): convolutions, linear layers and the attention products
 * (scores and weighted sums, quadratic in tokens). Norms, activations, softmax and adds are left out: they are
 * memory-bound and under 1 % of the arithmetic.
 */
export function unetFlops(plan: UnetPlan, workload: UnetWorkload): number {
  const batch = workload.batch ?? 1;
  const sequence = workload.sequence ?? 77;
  const { in: c0, out: temb } = plan.timeEmbedding;
  const positions = (scale: number): number => Math.ceil(workload.height / scale) * Math.ceil(workload.width / scale);
  let flops = 2 * (c0 * temb + temb * temb + (plan.condDim ?? 0) * c0);
  for (const block of plan.blocks) {
    switch (block.kind) {
      case "conv_in":
      case "conv_out":
        flops += convFlops(block.in, block.out, 3, positions(block.scale));
        break;
      case "resnet": {
        const input = block.in + block.skip;
        const n = positions(block.scale);
        flops += convFlops(input, block.out, 3, n) + convFlops(block.out, block.out, 3, n) + 2 * temb * block.out;
        if (input !== block.out) flops += convFlops(input, block.out, 1, n);
        break;
      }
      case "transformer": {
        const c = block.channels;
        const t = positions(block.scale);
        const projections = 2 * c * c * t * (2 + 4 + 2 + 12); // proj_in/out; q, k, v, out; q, out; GEGLU 8c + 4c
        const contextProjections = 2 * 2 * sequence * plan.contextDim * c;
        const products = 2 * 2 * t * t * c + 2 * 2 * t * sequence * c; // self, then cross: scores and weighted sum
        flops += projections + contextProjections + products;
        break;
      }
      case "downsample":
        flops += convFlops(block.channels, block.channels, 3, positions(block.scale * 2));
        break;
      case "upsample":
        flops += convFlops(block.channels, block.channels, 3, positions(block.scale / 2));
        break;
    }
  }
  return batch * flops;
}

function convFlops(inChannels: number, outChannels: number, kernel: number, positions: number): number {
  return 2 * inChannels * outChannels * kernel * kernel * positions;
}
