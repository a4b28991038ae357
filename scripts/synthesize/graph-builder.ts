import onnxProto from "onnx-proto";
import { at } from "./at.ts";
import { toFloat16Bytes } from "./float16.ts";
import { hashString, uniformValues } from "./random.ts";

const { onnx } = onnxProto;

/** Element types the synthetic graphs use at their boundaries and in their initializers. */
export type ElementType = "float32" | "float16" | "int32" | "int64";

/** A tensor dimension: a fixed size or a symbolic name (a dynamic axis). */
export type Dim = number | string;

const DATA_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

/** ONNX data type number of an element type. */
export function dataTypeOf(type: ElementType): number {
  return DATA_TYPES[type];
}

/** Attribute values the builder can write: numbers are ints unless wrapped with {@link float}. */
export type AttributeValue = number | number[] | string | FloatAttribute | FloatsAttribute | TensorAttribute;
interface FloatAttribute { float: number }
interface FloatsAttribute { floats: number[] }
interface TensorAttribute { tensor: onnxProto.onnx.ITensorProto }

/** Marks a number as a FLOAT attribute (plain numbers are INT attributes). */
export const float = (value: number): FloatAttribute => ({ float: value });

/** A raw initializer: its bytes are placed inline or in an external data file when the model is written. */
export interface Initializer {
  name: string;
  dataType: number;
  dims: number[];
  bytes: Uint8Array;
}

/** A finished graph, ready for {@link encodeModel}. */
export interface BuiltGraph {
  name: string;
  nodes: onnxProto.onnx.INodeProto[];
  initializers: Initializer[];
  inputs: onnxProto.onnx.IValueInfoProto[];
  outputs: onnxProto.onnx.IValueInfoProto[];
}

/** Options of a {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Graph name, also mixed into every weight's seed. */
  name: string;
  /** Model seed. */
  seed: number;
  /**
   * How float weights are stored. float16 weights are cast to float32 inside the graph (ORT folds the casts at
   * load), so the body always computes in float32 on the CPU provider.
   */
  weightType: "float32" | "float16";
}

/**
 * Builds an ONNX graph node by node. Values are referred to by name; every op returns the names of its outputs.
 * Weights are drawn from a per-tensor seeded stream with standard deviation 1/√fan_in, so activations keep a
 * steady scale through a stack of layers.
 */
export class GraphBuilder {
  readonly #options: GraphBuilderOptions;
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #initializers: Initializer[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #constants = new Map<string, string>();
  readonly #names = new Set<string>();
  #counter = 0;

  constructor(options: GraphBuilderOptions) {
    this.#options = options;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: ElementType, shape: Dim[]): string {
    this.#claim(name);
    this.#inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares `value` as a graph output called `name` (through an Identity when the names differ). */
  output(value: string, name: string, type: ElementType, shape: Dim[]): void {
    if (value !== name) {
      this.#claim(name);
      this.#nodes.push({ opType: "Identity", name: `${name}/Identity`, input: [value], output: [name] });
    }
    this.#outputs.push(valueInfo(name, type, shape));
  }

  /** Adds a node with `outputCount` outputs and returns their names. */
  ops(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputCount = 1): string[] {
    const id = this.#counter++;
    const outputs = Array.from({ length: outputCount }, (_, i) => this.#unique(`/${opType}_${id}_${i}`));
    this.#nodes.push({
      opType,
      name: `${opType}_${id}`,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return outputs;
  }

  /** Adds a single-output node and returns its output's name. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return at(this.ops(opType, inputs, attributes, 1), 0);
  }

  /**
   * A random float weight of the given shape with standard deviation `std` (default 1/√fanIn).
   * Returns a float32 value whatever the storage type.
   */
  weight(name: string, dims: number[], fanIn: number, std = 1 / Math.sqrt(fanIn)): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const seed = hashString(`${this.#options.seed}:${this.#options.name}:${name}`);
    return this.floatTensor(name, dims, uniformValues(count, std, seed));
  }

  /** A float weight filled with one value (norm scales and shifts). */
  filled(name: string, dims: number[], value: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.floatTensor(name, dims, new Float32Array(count).fill(value));
  }

  /** A float weight with given values, stored in the builder's weight type and exposed as float32. */
  floatTensor(name: string, dims: number[], values: Float32Array): string {
    this.#claim(name);
    if (this.#options.weightType === "float32") {
      this.#initializers.push({ name, dataType: DATA_TYPES.float32, dims, bytes: bytesOf(values) });
      return name;
    }
    const stored = `${name}_fp16`;
    this.#claim(stored);
    this.#initializers.push({ name: stored, dataType: DATA_TYPES.float16, dims, bytes: toFloat16Bytes(values) });
    this.#nodes.push({
      opType: "Cast",
      name: `${name}/Cast`,
      input: [stored],
      output: [name],
      attribute: [attribute("to", DATA_TYPES.float32)],
    });
    return name;
  }

  /** A float32 constant (always float32, never stored as float16). Identical constants are shared. */
  constFloat(values: number[], dims: number[] = [values.length]): string {
    return this.#constant("float32", values, dims);
  }

  /** An int64 constant (shapes, axes, indices). Identical constants are shared. */
  constInt64(values: number[], dims: number[] = [values.length]): string {
    return this.#constant("int64", values, dims);
  }

  /** The finished graph. */
  build(): BuiltGraph {
    return {
      name: this.#options.name,
      nodes: this.#nodes,
      initializers: this.#initializers,
      inputs: this.#inputs,
      outputs: this.#outputs,
    };
  }

  #constant(type: "float32" | "int64", values: number[], dims: number[]): string {
    const key = `${type}:${dims.join("x")}:${values.join(",")}`;
    const existing = this.#constants.get(key);
    if (existing !== undefined) return existing;
    const name = this.#unique(`const_${this.#constants.size}`);
    const bytes = type === "float32"
      ? bytesOf(Float32Array.from(values))
      : bytesOf(BigInt64Array.from(values, (v) => BigInt(v)));
    this.#initializers.push({ name, dataType: DATA_TYPES[type], dims, bytes });
    this.#constants.set(key, name);
    return name;
  }

  #unique(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  #claim(name: string): void {
    if (this.#names.has(name)) throw new Error(`Duplicate value name "${name}" in graph ${this.#options.name}`);
    this.#names.add(name);
  }
}

/** A value-info entry (name, element type, shape) for a graph input or output. */
export function valueInfo(name: string, type: ElementType, shape: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPES[type],
        shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (typeof value === "number") return { name, type: types.INT, i: value };
  if (typeof value === "string") return { name, type: types.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: types.INTS, ints: value };
  if ("float" in value) return { name, type: types.FLOAT, f: value.float };
  if ("floats" in value) return { name, type: types.FLOATS, floats: value.floats };
  return { name, type: types.TENSOR, t: value.tensor };
}

function bytesOf(values: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
