import type { Feed, ValueInfo } from "../onnx/model-session.ts";

/**
 * The UNet's `timestep` feed in the shape the export declares: rank 0 → a scalar; a fixed first axis → that many
 * copies (diffusers feeds [1], which broadcasts); a dynamic axis → one per batch row, which every graph accepts.
 * The dtype (float32, float16, int64) is applied by ModelSession from the same metadata; on an integer export a
 * fractional timestep (Euler's "linspace" spacing) is truncated first, as diffusers' `np.array([t], dtype=int64)`
 * truncates it (893.84 → 893, where rounding would give 894).
 */
export function timestepFeed(info: ValueInfo, timestep: number, batch: number): Feed {
  const value = info.type === "int64" || info.type === "int32" ? Math.trunc(timestep) : timestep;
  const shape = info.shape;
  if (shape && shape.length === 0) return { data: [value], dims: [] };
  const count = shape && typeof shape[0] === "number" && shape[0] > 0 ? shape[0] : batch;
  return { data: new Array<number>(count).fill(value), dims: [count] };
}

/** Whether the export takes the guidance batch of 2 in one run, or needs one run per half (fixed batch 1). */
export function unetTakesBatch(sample: ValueInfo, batch: number): boolean {
  const first = sample.shape?.[0];
  return typeof first !== "number" || first === batch;
}

/** Concatenates equal-sized tensors along the batch axis. */
export function concatBatch(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** e = e_u + scale·(e_c − e_u), on a [2,…] batch with uncond first. */
export function applyGuidance(noisePred: Float32Array, guidanceScale: number): Float32Array {
  const half = noisePred.length / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const uncond = noisePred[i]!;
    out[i] = uncond + guidanceScale * (noisePred[half + i]! - uncond);
  }
  return out;
}
