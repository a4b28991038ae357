/**
 * A synthesized safety checker with the real export's inputs and outputs (diffusers' ONNX `safety_checker`:
 * `clip_input` [B,3,224,224] and `images` [B,H,W,3] in, `out_images` and a boolean `has_nsfw_concepts` [B] out),
 * and the `feature_extractor/preprocessor_config.json` of SD 1.5. Instead of CLIP features it flags an image by its
 * mean brightness, so a test steers the verdict: `flagAbove` -1 flags everything, 2 nothing, 0.5 bright images only.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { GraphBuilder, type BuiltGraph } from "./graph-builder.ts";
import { writeModelFile } from "./model-file.ts";

/** SD 1.5's feature_extractor/preprocessor_config.json as published (CLIPImageProcessor, OpenAI CLIP's mean and std). */
export const SD15_PREPROCESSOR_CONFIG = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  feature_extractor_type: "CLIPFeatureExtractor",
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: "CLIPImageProcessor",
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};

export interface SyntheticSafetyCheckerOptions {
  /**
   * An image is flagged when the mean of its pixels (RGB in [0, 1], over `images`) is above this.
   * @default 0.5
   */
  flagAbove?: number;
}

/** Adds `safety_checker/model.onnx` and `feature_extractor/preprocessor_config.json` to a model folder. */
export async function addSyntheticSafetyChecker(dir: string, options: SyntheticSafetyCheckerOptions = {}): Promise<void> {
  await mkdir(join(dir, "safety_checker"), { recursive: true });
  await mkdir(join(dir, "feature_extractor"), { recursive: true });
  await writeFile(join(dir, "feature_extractor/preprocessor_config.json"), `${JSON.stringify(SD15_PREPROCESSOR_CONFIG, null, 2)}\n`);
  await writeModelFile(join(dir, "safety_checker/model.onnx"), buildSafetyChecker(options.flagAbove ?? 0.5), null);
}

function buildSafetyChecker(flagAbove: number): BuiltGraph {
  const g = new GraphBuilder({ name: "safety_checker", seed: 0, weightType: "float32" });
  const clipInput = g.input("clip_input", "float32", ["batch", 3, 224, 224]);
  const images = g.input("images", "float32", ["batch", "height", "width", 3]);
  // Opset 17: ReduceMean takes its axes as an attribute. The CLIP input joins with weight 0, so it is a real input
  // (a session fed a wrong clip_input shape fails) without changing the verdict.
  const brightness = g.op("ReduceMean", [images], { axes: [1, 2, 3], keepdims: 0 });
  const clipMean = g.op("ReduceMean", [clipInput], { axes: [1, 2, 3], keepdims: 0 });
  const score = g.op("Add", [brightness, g.op("Mul", [clipMean, g.constFloat([0], [])])]);
  const flagged = g.op("Greater", [score, g.constFloat([flagAbove], [])]);
  g.output(images, "out_images", "float32", ["batch", "height", "width", 3]);
  const graph = g.build();
  // The real export's flag is a bool tensor, an element type the builder does not declare.
  graph.nodes.push({ opType: "Identity", name: "has_nsfw_concepts/Identity", input: [flagged], output: ["has_nsfw_concepts"] });
  graph.outputs.push({ name: "has_nsfw_concepts", type: { tensorType: { elemType: onnxProto.onnx.TensorProto.DataType.BOOL, shape: { dim: [{ dimParam: "batch" }] } } } });
  return graph;
}
