import onnxProto from "onnx-proto";
import { axisNames } from "./axes.ts";
import { timeCondProjDim } from "./family-files.ts";
import type { Dim, GraphBuilder } from "./graph-builder.ts";
import { linear, silu } from "./layers.ts";
import type { SyntheticVariant } from "./variants.ts";

const { onnx } = onnxProto;

/** The UNet's inputs as float32 values, and the timestep embedding. */
export interface UnetStem {
  sample: string;
  context: string;
  /** The [n, 4·c0] timestep embedding (n = 1 or the batch; it broadcasts against the sample). */
  temb: { value: string; dim: number };
  /** Declares `out_sample` from the float32 result, cast back to the variant's float type. */
  output(value: string): void;
}

/**
 * The UNet's inputs as the variant's exporter declares them (`sample` [batch, 4, h, w], `timestep` in its dtype and
 * shape, `encoder_hidden_states` [batch, sequence, contextDim], and for LCM-distilled UNets `timestep_cond`), cast to
 * float32; the sinusoidal timestep embedding (cos first, like SD) plus, for LCM, the projected guidance embedding
 * (diffusers' `cond_proj`), through Linear–SiLU–Linear.
 */
export function unetStem(g: GraphBuilder, variant: SyntheticVariant, contextDim: number, c0: number, latentChannels: number): UnetStem {
  const axes = axisNames(variant);
  const floatType = variant.precision === "fp16" ? "float16" : "float32";
  const toFloat32 = (value: string, type: string): string =>
    type === "float32" ? value : g.op("Cast", [value], { to: onnx.TensorProto.DataType.FLOAT });

  const sample = toFloat32(g.input("sample", floatType, [axes.batch, axes.inputChannels(latentChannels), ...axes.unet]), floatType);
  const timestepShape: Dim[] = { one: [1], batch: [axes.batch], scalar: [] }[variant.timestepShape];
  const timestep = toFloat32(g.input("timestep", variant.timestepType, timestepShape), variant.timestepType);
  const context = toFloat32(g.input("encoder_hidden_states", floatType, [axes.batch, axes.sequence, contextDim]), floatType);

  const tembDim = 4 * c0;
  const half = c0 / 2;
  const frequencies = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const angles = g.op("Mul", [g.op("Reshape", [timestep, g.constInt64([-1, 1])]), g.constFloat(frequencies, [1, half])]);
  const sinusoid = g.op("Concat", [g.op("Cos", [angles]), g.op("Sin", [angles])], { axis: 1 });
  const condDim = timeCondProjDim(variant);
  const conditioned = condDim === undefined
    ? sinusoid
    : g.op("Add", [sinusoid, linear(g, toFloat32(g.input("timestep_cond", floatType, [axes.batch, condDim]), floatType), "time_embedding.cond_proj", condDim, c0, false)]);
  const temb = linear(g, silu(g, linear(g, conditioned, "time_embedding.linear_1", c0, tembDim)), "time_embedding.linear_2", tembDim, tembDim);

  return {
    sample,
    context,
    temb: { value: temb, dim: tembDim },
    output(value) {
      const out = floatType === "float16" ? g.op("Cast", [value], { to: onnx.TensorProto.DataType.FLOAT16 }) : value;
      g.output(out, "out_sample", floatType, [axes.batch, latentChannels, ...axes.unet]);
    },
  };
}
