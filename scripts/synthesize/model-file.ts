import { open, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import onnxProto from "onnx-proto";
import type { BuiltGraph, Initializer } from "./graph-builder.ts";

const { onnx } = onnxProto;

/** The opset and IR version every synthetic model uses (onnxruntime-node 1.30 loads both). */
export const OPSET_VERSION = 17;
export const IR_VERSION = 8;

/** Tensors smaller than this stay inline even in external-data models (onnx's own default threshold). */
const EXTERNAL_THRESHOLD_BYTES = 1024;
/** Offsets of external tensors are aligned so the runtime can map them without copying. */
const EXTERNAL_ALIGNMENT = 64;

/** What {@link writeModelFile} wrote. */
export interface WrittenModel {
  /** Paths written, model first. */
  files: string[];
  /** Total bytes written. */
  bytes: number;
}

/**
 * Writes a graph as an ONNX model. With `externalData` set (a file name such as `weights.pb` or
 * `model.onnx_data`), every initializer of at least 1 KiB goes into that file beside the model, referenced by
 * location, offset and length like `onnx.save_model(..., save_as_external_data=True, all_tensors_to_one_file=True)`.
 */
export async function writeModelFile(path: string, graph: BuiltGraph, externalData: string | null): Promise<WrittenModel> {
  const external = externalData === null ? [] : graph.initializers.filter((t) => t.bytes.byteLength >= EXTERNAL_THRESHOLD_BYTES);
  const externalSet = new Set(external);
  const offsets = new Map<Initializer, number>();
  let dataBytes = 0;
  if (externalData !== null && external.length > 0) {
    dataBytes = await writeExternalData(join(dirname(path), externalData), external, offsets);
  }
  const model = {
    irVersion: IR_VERSION,
    producerName: "reroll-synthesize",
    producerVersion: "1",
    opsetImport: [{ domain: "", version: OPSET_VERSION }],
    graph: {
      name: graph.name,
      node: graph.nodes,
      input: graph.inputs,
      output: graph.outputs,
      initializer: graph.initializers.map((tensor) =>
        externalSet.has(tensor) ? externalTensor(tensor, externalData!, offsets.get(tensor)!) : inlineTensor(tensor)),
    },
  };
  const encoded = onnx.ModelProto.encode(model).finish();
  await writeFile(path, encoded);
  const files = externalData !== null && external.length > 0 ? [path, join(dirname(path), externalData)] : [path];
  return { files, bytes: encoded.byteLength + dataBytes };
}

async function writeExternalData(path: string, tensors: Initializer[], offsets: Map<Initializer, number>): Promise<number> {
  const handle = await open(path, "w");
  try {
    let offset = 0;
    for (const tensor of tensors) {
      const aligned = Math.ceil(offset / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
      if (aligned > offset) await handle.write(new Uint8Array(aligned - offset));
      offsets.set(tensor, aligned);
      await handle.write(tensor.bytes);
      offset = aligned + tensor.bytes.byteLength;
    }
    return offset;
  } finally {
    await handle.close();
  }
}

function inlineTensor(tensor: Initializer): onnxProto.onnx.ITensorProto {
  return { name: tensor.name, dataType: tensor.dataType, dims: tensor.dims, rawData: tensor.bytes };
}

function externalTensor(tensor: Initializer, location: string, offset: number): onnxProto.onnx.ITensorProto {
  return {
    name: tensor.name,
    dataType: tensor.dataType,
    dims: tensor.dims,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(tensor.bytes.byteLength) },
    ],
  };
}
