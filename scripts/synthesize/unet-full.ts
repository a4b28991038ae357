import { timeCondProjDim } from "./family-files.ts";
import { GraphBuilder, type BuiltGraph } from "./graph-builder.ts";
import { conv2d, groupNorm, resnetBlock, silu, spatialTransformer, upsample } from "./layers.ts";
import { unetStem } from "./unet-stem.ts";
import { fullUnetPlan, type UnetSpec } from "./unet-plan.ts";
import { SIZE_SPECS, type SyntheticVariant } from "./variants.ts";

/**
 * A UNet with SD 1.5's exact structure (diffusers' UNet2DConditionModel: two ResBlocks per down level, three per up
 * level, cross-attention transformers where the spec has attention, a mid block with attention), built block by
 * block from {@link fullUnetPlan}. At the sd15 size it has SD 1.5's 859,520,964 parameters (3.4 GB in fp32, so it
 * needs external data). Same inputs and outputs as the light UNet (unet.ts).
 * @param spec the layer widths. @default the variant's size's
 */
export function buildFullUnet(variant: SyntheticVariant, contextDim: number, spec: UnetSpec = SIZE_SPECS[variant.size].unet): BuiltGraph {
  const plan = fullUnetPlan(spec, contextDim, timeCondProjDim(variant));
  const { groups, heads } = spec;
  const g = new GraphBuilder({ name: "unet", seed: variant.seed, weightType: variant.precision === "fp16" ? "float16" : "float32" });
  const stem = unetStem(g, variant, contextDim, plan.timeEmbedding.in, spec.latentChannels);

  let h = stem.sample;
  const skips: string[] = [];
  for (const block of plan.blocks) {
    switch (block.kind) {
      case "conv_in":
        h = conv2d(g, h, block.name, block.in, block.out, 3);
        break;
      case "resnet": {
        if (block.skip > 0) {
          const skip = skips.pop();
          if (skip === undefined) throw new Error(`unreachable: ${block.name} has no skip to concatenate`);
          h = g.op("Concat", [h, skip], { axis: 1 });
        }
        h = resnetBlock(g, h, block.name, { inChannels: block.in + block.skip, outChannels: block.out, groups, temb: stem.temb });
        break;
      }
      case "transformer":
        h = spatialTransformer(g, h, block.name, { channels: block.channels, heads, groups, context: stem.context, contextDim });
        break;
      case "downsample":
        h = conv2d(g, h, block.name, block.channels, block.channels, 3, { stride: 2 });
        break;
      case "upsample":
        h = upsample(g, h, block.name, block.channels);
        break;
      case "conv_out":
        h = conv2d(g, silu(g, groupNorm(g, h, "conv_norm_out", block.in, groups)), block.name, block.in, block.out, 3);
        break;
    }
    if ("push" in block && block.push) skips.push(h);
  }
  stem.output(h);
  return g.build();
}
