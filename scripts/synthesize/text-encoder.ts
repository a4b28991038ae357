import onnxProto from "onnx-proto";
import { axisNames } from "./axes.ts";
import { textWidth } from "./family-files.ts";
import { GraphBuilder, type BuiltGraph } from "./graph-builder.ts";
import { attention, layerNorm, linear, quickGelu } from "./layers.ts";
import { SIZE_SPECS, type SyntheticVariant } from "./variants.ts";

const { onnx } = onnxProto;

/**
 * A CLIP-like text encoder: `input_ids` [batch, sequence] → `last_hidden_state` [batch, sequence, D] and
 * `pooler_output` [batch, D] (the state at the end-of-text token, found as the largest id like CLIP does).
 * Token and position embeddings, pre-LayerNorm blocks with causal self-attention and a quick-GELU MLP, final LayerNorm.
 */
export function buildTextEncoder(variant: SyntheticVariant, vocabSize: number): BuiltGraph {
  const { layers, heads, maxPositions } = SIZE_SPECS[variant.size].text;
  const hidden = textWidth(variant);
  const axes = axisNames(variant);
  const floatType = variant.precision === "fp16" ? "float16" : "float32";
  const g = new GraphBuilder({ name: "text_encoder", seed: variant.seed, weightType: floatType });

  const ids = g.input("input_ids", variant.inputIds, [axes.batch, axes.sequence]);
  const tokens = g.op("Gather", [g.weight("embeddings.token_embedding.weight", [vocabSize, hidden], 1, 1), ids], { axis: 0 });
  const sequenceLength = g.op("Slice", [g.op("Shape", [ids]), g.constInt64([1]), g.constInt64([2])]);
  const positions = g.op("Slice", [
    g.weight("embeddings.position_embedding.weight", [maxPositions, hidden], 1, 0.5),
    g.constInt64([0]), sequenceLength, g.constInt64([0]),
  ]);
  let h = g.op("Add", [tokens, positions]);

  // Causal mask [S, S]: a large negative number above the diagonal, 0 elsewhere.
  const square = g.op("Concat", [sequenceLength, sequenceLength], { axis: 0 });
  const filled = g.op("ConstantOfShape", [square], {
    value: { tensor: { dataType: onnx.TensorProto.DataType.FLOAT, dims: [1], floatData: [-1e9] } },
  });
  const mask = g.op("Trilu", [filled, g.constInt64([1], [])], { upper: 1 });

  for (let i = 0; i < layers; i++) {
    const layer = `encoder.layers.${i}`;
    h = g.op("Add", [h, attention(g, layerNorm(g, h, `${layer}.layer_norm1`, hidden), `${layer}.self_attn`, {
      dim: hidden, heads, mask, qkvBias: true,
    })]);
    const mlp = linear(g, quickGelu(g, linear(g, layerNorm(g, h, `${layer}.layer_norm2`, hidden), `${layer}.mlp.fc1`, hidden, 4 * hidden)),
      `${layer}.mlp.fc2`, 4 * hidden, hidden);
    h = g.op("Add", [h, mlp]);
  }
  const last = layerNorm(g, h, "final_layer_norm", hidden);

  const eos = g.op("ArgMax", [g.op("Cast", [ids], { to: onnx.TensorProto.DataType.FLOAT })], { axis: 1, keepdims: 1 });
  const pooled = g.op("GatherND", [last, eos], { batch_dims: 1 });

  const toOutput = (value: string): string =>
    floatType === "float16" ? g.op("Cast", [value], { to: onnx.TensorProto.DataType.FLOAT16 }) : value;
  g.output(toOutput(last), "last_hidden_state", floatType, [axes.batch, axes.sequence, hidden]);
  g.output(toOutput(pooled), "pooler_output", floatType, [axes.batch, hidden]);
  return g.build();
}
