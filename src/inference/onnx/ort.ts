/**
 * The only module that imports onnxruntime-node: everything else talks to ONNX Runtime through
 * ModelSession, so the rest of the library stays testable and the binding stays replaceable.
 */
import ort from "onnxruntime-node";

export type OrtSession = ort.InferenceSession;
export type OrtTensor = ort.Tensor;
export type OrtSessionOptions = ort.InferenceSession.SessionOptions;
export type OrtValueMetadata = ort.InferenceSession.ValueMetadata;

export function createOrtSession(path: string, options: OrtSessionOptions): Promise<OrtSession> {
  return ort.InferenceSession.create(path, options);
}

export function createOrtTensor(
  type: "float32" | "float16" | "int32" | "int64",
  data: Float32Array | Uint16Array | Int32Array | BigInt64Array,
  dims: readonly number[],
): OrtTensor {
  return new ort.Tensor(type, data, dims);
}

export const ortVersion: string = ort.env.versions.node ?? ort.env.versions.common;
