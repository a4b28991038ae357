import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphBuilder } from "../../scripts/synthesize/graph-builder.ts";
import { writeModelFile } from "../../scripts/synthesize/model-file.ts";
import { ModelSession, type ModelSessionOptions } from "../../src/inference/onnx/model-session.ts";
import { measure, type MeasureOptions, type Summary } from "./stats.ts";

/** Options of {@link measureMatmulCeiling}. */
export interface MatmulCeilingOptions extends MeasureOptions {
  /** The square matrices' side: 2048 is 17 GFLOP per run, far past every cache, like the UNet's big layers. @default 2048 */
  side?: number;
  /** The session's settings: pass the ones the measured model runs with, so both get the same threads. */
  session?: ModelSessionOptions;
}

/** The ceiling: GFLOP/s of one large MatMul graph, and the thread counts it ran with. */
export interface MatmulCeiling {
  gflops: Summary;
  side: number;
  threads: ModelSession["threads"];
}

/**
 * What this machine's ONNX Runtime does at best: one [side, side] × [side, side] MatMul ONNX graph (the GEMM that
 * convolutions and attention projections become) run through onnxruntime-node, counted as 2·side³ FLOPs per run
 * over the time inside ORT's `run`. Other processes can only slow a run down, so the fastest run is the ceiling.
 */
export async function measureMatmulCeiling(options: MatmulCeilingOptions = {}): Promise<MatmulCeiling> {
  const side = options.side ?? 2048;
  const dir = await mkdtemp(join(tmpdir(), "reroll-matmul-"));
  try {
    const g = new GraphBuilder({ name: "matmul", seed: 1, weightType: "float32" });
    const a = g.input("a", "float32", [side, side]);
    g.output(g.op("MatMul", [a, g.weight("b", [side, side], side)]), "y", "float32", [side, side]);
    const path = join(dir, "matmul.onnx");
    await writeModelFile(path, g.build(), "matmul.onnx_data");
    const session = await ModelSession.load("matmul", path, options.session);
    try {
      const input = Float32Array.from({ length: side * side }, (_, i) => Math.sin(i));
      const flops = 2 * side ** 3;
      const gflops = await measure(async () => {
        // Only ORT's own run counts: copying the 16 MiB result into a JavaScript array is not the machine's arithmetic.
        const before = session.runMs;
        await session.run({ a: { data: input, dims: [side, side] } }, ["y"]);
        return flops / ((session.runMs - before) / 1000) / 1e9;
      }, options);
      return { gflops, side, threads: session.threads };
    } finally {
      await session.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
