import { float16ToFloat32, float32ToFloat16 } from "../tensor/float16.ts";
import { CUDA_INSTALL_HINT, providerCandidates, type ExecutionProviderName, type ExecutionProviderPreference } from "./execution-providers.ts";
import { createOrtSession, createOrtTensor, type OrtSession, type OrtTensor, type OrtValueMetadata } from "./ort.ts";
import { ortThreadOptions, type OrtThreadCounts } from "./ort-threads.ts";

export type TensorType = "float32" | "float16" | "int32" | "int64";

/** One model input or output as the session declares it: dims are numbers (fixed) or names (dynamic). */
export interface ValueInfo {
  name: string;
  type: string;
  /** `undefined` when ORT does not know the shape. */
  shape?: ReadonlyArray<number | string>;
}

/** A feed in plain numbers; ModelSession converts it to the dtype the model declares. */
export interface Feed {
  data: Float32Array | Int32Array | number[];
  dims: readonly number[];
}

export interface ModelSessionOptions extends OrtThreadCounts {
  /** "auto" (CUDA when installed, else CPU), "cuda", "cpu", or a list to try in order. @default "auto" */
  executionProviders?: ExecutionProviderPreference | readonly ExecutionProviderName[];
  deviceId?: number;
  /** Called once the session is created, with the provider that runs it. */
  log?: (message: string) => void;
}

const FLOAT_TYPES = new Set(["float32", "float16"]);
const INT_TYPES = new Set(["int32", "int64"]);

/**
 * An ONNX Runtime session that knows its inputs' dtypes and shapes and converts plain float32/int feeds to
 * them, so the pipeline works with fp16 or fp32 exports, int32 or int64 ids, any timestep dtype. Every ORT
 * tensor it creates or receives is disposed before `run` returns; outputs come back as float32 copies.
 */
export class ModelSession {
  /** Total milliseconds spent inside `session.run` (for overhead measurements). */
  runMs = 0;
  runCount = 0;

  private constructor(
    readonly name: string,
    private readonly session: OrtSession,
    readonly provider: ExecutionProviderName,
    readonly inputs: ReadonlyMap<string, ValueInfo>,
    readonly outputs: ReadonlyMap<string, ValueInfo>,
    /** The thread counts the session was created with (empty: ORT's defaults). */
    readonly threads: OrtThreadCounts,
  ) {}

  static async load(name: string, path: string, options: ModelSessionOptions = {}): Promise<ModelSession> {
    const candidates = providerCandidates(options.executionProviders ?? "auto");
    const failures: string[] = [];
    for (const provider of candidates) {
      const { executionMode, ...threads } = ortThreadOptions(provider, options);
      try {
        const session = await createOrtSession(path, {
          executionProviders: [provider === "cuda" ? { name: "cuda", deviceId: options.deviceId ?? 0 } : "cpu"],
          graphOptimizationLevel: "all",
          logSeverityLevel: 3,
          ...threads,
          ...(executionMode ? { executionMode } : {}),
        });
        options.log?.(`${name}: loaded on the ${provider.toUpperCase()} execution provider${describeThreads(threads)}`);
        return new ModelSession(name, session, provider, describe(session.inputMetadata), describe(session.outputMetadata), threads);
      } catch (error) {
        const message = (error as Error).message;
        failures.push(`${provider}: ${message}`);
        if (provider === "cuda" && candidates.length > 1) options.log?.(`${name}: CUDA failed (${firstLine(message)}); falling back to CPU`);
      }
    }
    throw new Error(explainLoadFailure(name, path, failures, options.executionProviders ?? "auto"));
  }

  input(name: string): ValueInfo {
    const info = this.inputs.get(name);
    if (!info) throw new Error(`${this.name} has no input "${name}"; it has: ${[...this.inputs.keys()].join(", ")}`);
    return info;
  }

  hasOutput(name: string): boolean {
    return this.outputs.has(name);
  }

  /** Runs the model on plain feeds and returns the named outputs as float32. */
  async run(feeds: Record<string, Feed>, outputNames: string[]): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
    const missing = [...this.inputs.keys()].filter((name) => !(name in feeds));
    if (missing.length) throw new Error(`${this.name}: missing the following inputs: ${missing.join(", ")}`);
    const ortFeeds: Record<string, OrtTensor> = {};
    let results: Record<string, OrtTensor> | undefined;
    try {
      for (const [name, feed] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(this.input(name), feed);
      const started = performance.now();
      results = await this.session.run(ortFeeds, outputNames);
      this.runMs += performance.now() - started;
      this.runCount += 1;
      const out: Record<string, { data: Float32Array; dims: number[] }> = {};
      for (const name of outputNames) {
        const tensor = results[name];
        if (!tensor) throw new Error(`${this.name} returned no output "${name}"`);
        out[name] = { data: toFloat32(tensor), dims: [...tensor.dims] };
      }
      return out;
    } finally {
      for (const tensor of Object.values(ortFeeds)) tensor.dispose();
      for (const tensor of Object.values(results ?? {})) tensor.dispose();
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function describe(metadata: readonly OrtValueMetadata[]): Map<string, ValueInfo> {
  const map = new Map<string, ValueInfo>();
  for (const m of metadata) {
    map.set(m.name, m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: "non-tensor" });
  }
  return map;
}

function toOrtTensor(info: ValueInfo, feed: Feed): OrtTensor {
  const values = feed.data;
  if (FLOAT_TYPES.has(info.type)) {
    if (info.type === "float16") return createOrtTensor("float16", float32ToFloat16(values), feed.dims);
    return createOrtTensor("float32", values instanceof Float32Array ? values : Float32Array.from(values), feed.dims);
  }
  if (INT_TYPES.has(info.type)) {
    if (info.type === "int64") return createOrtTensor("int64", BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v)))), feed.dims);
    return createOrtTensor("int32", values instanceof Int32Array ? values : Int32Array.from(values, Math.round), feed.dims);
  }
  throw new Error(`input "${info.name}" has dtype ${info.type}, which this pipeline cannot feed`);
}

function toFloat32(tensor: OrtTensor): Float32Array {
  const data = tensor.data;
  if (tensor.type === "float32") return Float32Array.from(data as Float32Array);
  if (tensor.type === "float16") return float16ToFloat32(data as Uint16Array);
  if (tensor.type === "float64" || tensor.type === "int32") return Float32Array.from(data as Float64Array | Int32Array);
  if (tensor.type === "int64") return Float32Array.from(data as BigInt64Array, Number);
  if (tensor.type === "bool") return Float32Array.from(data as Uint8Array); // the safety checker's has_nsfw_concepts
  throw new Error(`output of dtype ${tensor.type} is not supported`);
}

function describeThreads({ intraOpNumThreads: intra, interOpNumThreads: inter }: OrtThreadCounts): string {
  const parts = [
    ...(intra !== undefined ? [`${intra} intra-op thread${intra === 1 ? "" : "s"}`] : []),
    ...(inter !== undefined ? [`${inter} inter-op thread${inter === 1 ? "" : "s"}`] : []),
  ];
  return parts.length ? ` (${parts.join(", ")})` : "";
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.slice(0, 200);
}

function explainLoadFailure(
  name: string,
  path: string,
  failures: string[],
  preference: ExecutionProviderPreference | readonly ExecutionProviderName[],
): string {
  const details = failures.join("; ");
  const hints: string[] = [];
  if (/providers_cuda|Cuda: Failed to load/i.test(details)) hints.push(CUDA_INSTALL_HINT);
  if (/BiasSplitGelu|GroupNorm|MultiHeadAttention|NhwcConv|com\.microsoft/i.test(details)) {
    hints.push(
      "This looks like an ORT/Olive-optimized fp16 export with fused com.microsoft operators that only the CUDA and " +
        "DirectML providers implement; on CPU use an unoptimized (fp32) SD 1.5 ONNX export.",
    );
  }
  if (/ENOENT|No such file|doesn't exist|Load model from .* failed/i.test(details)) hints.push(`Check that ${path} exists and is readable.`);
  return `Could not load the ${name} model from ${path} (execution providers: ${String(preference)}): ${details}${hints.length ? `\n${hints.join("\n")}` : ""}`;
}
