/**
 * Neural-network building blocks as ONNX subgraphs, written the way PyTorch exports them at opset 17
 * (GroupNorm as Reshape → InstanceNormalization → Reshape, GELU through Erf, attention as MatMul/Softmax).
 * Weight names follow diffusers' module paths so a graph reads like the model it imitates.
 */
import { at } from "./at.ts";
import { float, type GraphBuilder } from "./graph-builder.ts";

/** x·W + b over the last axis. */
export function linear(g: GraphBuilder, x: string, name: string, inFeatures: number, outFeatures: number, bias = true): string {
  const y = g.op("MatMul", [x, g.weight(`${name}.weight`, [inFeatures, outFeatures], inFeatures)]);
  return bias ? g.op("Add", [y, g.weight(`${name}.bias`, [outFeatures], inFeatures, 0.02)]) : y;
}

/** Options of {@link conv2d}. */
export interface ConvOptions {
  /** @default 1 */
  stride?: number;
  /** ONNX pads [top, left, bottom, right]. @default kernel/2 on every side */
  pads?: number[];
}

/** A 2-D convolution with bias on NCHW input. */
export function conv2d(g: GraphBuilder, x: string, name: string, inChannels: number, outChannels: number, kernel: number, options: ConvOptions = {}): string {
  const fanIn = inChannels * kernel * kernel;
  const half = Math.floor(kernel / 2);
  return g.op("Conv", [
    x,
    g.weight(`${name}.weight`, [outChannels, inChannels, kernel, kernel], fanIn),
    g.weight(`${name}.bias`, [outChannels], fanIn, 0.02),
  ], {
    kernel_shape: [kernel, kernel],
    strides: [options.stride ?? 1, options.stride ?? 1],
    pads: options.pads ?? [half, half, half, half],
  });
}

/** GroupNorm on NCHW input, as PyTorch exports it: InstanceNormalization over [N, groups, -1], then a per-channel affine. */
export function groupNorm(g: GraphBuilder, x: string, name: string, channels: number, groups: number, epsilon = 1e-5): string {
  const grouped = g.op("Reshape", [x, g.constInt64([0, groups, -1])]);
  const normalized = g.op("InstanceNormalization", [grouped, g.constFloat(new Array(groups).fill(1)), g.constFloat(new Array(groups).fill(0))], { epsilon: float(epsilon) });
  const restored = g.op("Reshape", [normalized, g.op("Shape", [x])]);
  const scaled = g.op("Mul", [restored, g.filled(`${name}.weight`, [channels, 1, 1], 1)]);
  return g.op("Add", [scaled, g.filled(`${name}.bias`, [channels, 1, 1], 0)]);
}

/** LayerNorm over the last axis. */
export function layerNorm(g: GraphBuilder, x: string, name: string, dim: number, epsilon = 1e-5): string {
  return g.op("LayerNormalization", [x, g.filled(`${name}.weight`, [dim], 1), g.filled(`${name}.bias`, [dim], 0)], { axis: -1, epsilon: float(epsilon) });
}

/** SiLU (swish): x·σ(x). */
export function silu(g: GraphBuilder, x: string): string {
  return g.op("Mul", [x, g.op("Sigmoid", [x])]);
}

/** CLIP's quick GELU: x·σ(1.702x). */
export function quickGelu(g: GraphBuilder, x: string): string {
  return g.op("Mul", [x, g.op("Sigmoid", [g.op("Mul", [x, g.constFloat([1.702], [])])])]);
}

/** Exact GELU through Erf (opset 17 has no Gelu op): x·½(1 + erf(x/√2)). */
export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.op("Erf", [g.op("Mul", [x, g.constFloat([Math.SQRT1_2], [])])]);
  const gate = g.op("Mul", [g.op("Add", [erf, g.constFloat([1], [])]), g.constFloat([0.5], [])]);
  return g.op("Mul", [x, gate]);
}

/** Options of {@link attention}. */
export interface AttentionOptions {
  dim: number;
  heads: number;
  /** Keys and values come from this [B, S, contextDim] tensor instead of x (cross-attention). */
  context?: string;
  contextDim?: number;
  /** Added to the [B, heads, T, S] scores (CLIP's causal mask). */
  mask?: string;
  /** Bias on q, k, v (CLIP has them; SD's UNet attention does not). @default false */
  qkvBias?: boolean;
}

/** Multi-head (self- or cross-) attention on [B, T, dim], with the output projection. */
export function attention(g: GraphBuilder, x: string, name: string, options: AttentionOptions): string {
  const { dim, heads } = options;
  const headDim = dim / heads;
  const context = options.context ?? x;
  const contextDim = options.contextDim ?? dim;
  const bias = options.qkvBias ?? false;
  const splitHeads = (value: string, perm: number[]): string =>
    g.op("Transpose", [g.op("Reshape", [value, g.constInt64([0, 0, heads, headDim])])], { perm });
  const q = splitHeads(linear(g, x, `${name}.to_q`, dim, dim, bias), [0, 2, 1, 3]);
  const k = splitHeads(linear(g, context, `${name}.to_k`, contextDim, dim, bias), [0, 2, 3, 1]);
  const v = splitHeads(linear(g, context, `${name}.to_v`, contextDim, dim, bias), [0, 2, 1, 3]);
  let scores = g.op("Mul", [g.op("MatMul", [q, k]), g.constFloat([1 / Math.sqrt(headDim)], [])]);
  if (options.mask !== undefined) scores = g.op("Add", [scores, options.mask]);
  const weights = g.op("Softmax", [scores], { axis: -1 });
  const merged = g.op("Reshape", [
    g.op("Transpose", [g.op("MatMul", [weights, v])], { perm: [0, 2, 1, 3] }),
    g.constInt64([0, 0, dim]),
  ]);
  return linear(g, merged, `${name}.to_out.0`, dim, dim);
}

/** Options of {@link resnetBlock}. */
export interface ResnetOptions {
  inChannels: number;
  outChannels: number;
  groups: number;
  epsilon?: number;
  /** The [N, tembDim] timestep embedding to add after the first conv (UNet); none in the VAE. */
  temb?: { value: string; dim: number };
}

/** SD's ResnetBlock2D: GroupNorm → SiLU → conv (+ timestep projection) → GroupNorm → SiLU → conv, plus a skip (1×1 when channels change). */
export function resnetBlock(g: GraphBuilder, x: string, name: string, options: ResnetOptions): string {
  const { inChannels, outChannels, groups, epsilon } = options;
  let h = conv2d(g, silu(g, groupNorm(g, x, `${name}.norm1`, inChannels, groups, epsilon)), `${name}.conv1`, inChannels, outChannels, 3);
  if (options.temb !== undefined) {
    const projected = linear(g, silu(g, options.temb.value), `${name}.time_emb_proj`, options.temb.dim, outChannels);
    h = g.op("Add", [h, g.op("Unsqueeze", [projected, g.constInt64([2, 3])])]);
  }
  h = conv2d(g, silu(g, groupNorm(g, h, `${name}.norm2`, outChannels, groups, epsilon)), `${name}.conv2`, outChannels, outChannels, 3);
  const skip = inChannels === outChannels ? x : conv2d(g, x, `${name}.conv_shortcut`, inChannels, outChannels, 1);
  return g.op("Add", [skip, h]);
}

/** [B, C, H, W] → [B, H·W, C]. */
export function toTokens(g: GraphBuilder, x: string, channels: number): string {
  return g.op("Transpose", [g.op("Reshape", [x, g.constInt64([0, channels, -1])])], { perm: [0, 2, 1] });
}

/** [B, H·W, C] → the shape of `like` ([B, C, H, W]). */
export function fromTokens(g: GraphBuilder, tokens: string, like: string): string {
  return g.op("Reshape", [g.op("Transpose", [tokens], { perm: [0, 2, 1] }), g.op("Shape", [like])]);
}

/** Options of {@link spatialTransformer}. */
export interface SpatialTransformerOptions {
  channels: number;
  heads: number;
  groups: number;
  context: string;
  contextDim: number;
}

/**
 * SD's Transformer2DModel with one BasicTransformerBlock: GroupNorm, 1×1 proj_in, self-attention,
 * cross-attention to the text states, GEGLU feed-forward, 1×1 proj_out, residual.
 */
export function spatialTransformer(g: GraphBuilder, x: string, name: string, options: SpatialTransformerOptions): string {
  const { channels, heads, groups } = options;
  const projected = conv2d(g, groupNorm(g, x, `${name}.norm`, channels, groups, 1e-6), `${name}.proj_in`, channels, channels, 1);
  let h = toTokens(g, projected, channels);
  const block = `${name}.transformer_blocks.0`;
  h = g.op("Add", [h, attention(g, layerNorm(g, h, `${block}.norm1`, channels), `${block}.attn1`, { dim: channels, heads })]);
  h = g.op("Add", [h, attention(g, layerNorm(g, h, `${block}.norm2`, channels), `${block}.attn2`, {
    dim: channels, heads, context: options.context, contextDim: options.contextDim,
  })]);
  h = g.op("Add", [h, geglu(g, layerNorm(g, h, `${block}.norm3`, channels), `${block}.ff`, channels)]);
  const spatial = fromTokens(g, h, x);
  return g.op("Add", [x, conv2d(g, spatial, `${name}.proj_out`, channels, channels, 1)]);
}

/** SD's GEGLU feed-forward: Linear(dim, 8·dim) split into value and gate, value·GELU(gate), Linear(4·dim, dim). */
function geglu(g: GraphBuilder, x: string, name: string, dim: number): string {
  const inner = 4 * dim;
  const halves = g.ops("Split", [linear(g, x, `${name}.net.0.proj`, dim, 2 * inner), g.constInt64([inner, inner])], { axis: -1 }, 2);
  return linear(g, g.op("Mul", [at(halves, 0), gelu(g, at(halves, 1))]), `${name}.net.2`, inner, dim);
}

/** Self-attention over the pixels of [B, C, H, W] with a residual (the VAE's mid-block attention). */
export function spatialSelfAttention(g: GraphBuilder, x: string, name: string, channels: number, groups: number): string {
  const tokens = toTokens(g, groupNorm(g, x, `${name}.group_norm`, channels, groups, 1e-6), channels);
  const attended = attention(g, tokens, name, { dim: channels, heads: 1, qkvBias: true });
  return g.op("Add", [x, fromTokens(g, attended, x)]);
}

/** Nearest-neighbour 2× upsampling followed by a 3×3 conv (SD's Upsample2D). */
export function upsample(g: GraphBuilder, x: string, name: string, channels: number): string {
  const resized = g.op("Resize", [x, "", g.constFloat([1, 1, 2, 2])], { mode: "nearest", nearest_mode: "floor", coordinate_transformation_mode: "asymmetric" });
  return conv2d(g, resized, `${name}.conv`, channels, channels, 3);
}
