/**
 * Which files of a repository the ONNX pipeline needs. A Stable Diffusion repository often carries the same weights
 * several times (safetensors, PyTorch .bin, Flax .msgpack, fp16 or quantized ONNX): only the ONNX graphs of one
 * precision, their external data, and the small JSON and tokenizer files are downloaded.
 */
import { ModelNotUsableError } from "./errors.ts";
import type { RepoFile } from "./hub-client.ts";

/** Weight precision to download. `fp16` falls back to fp32 per component when a repository has no fp16 graph. */
export type Precision = "fp32" | "fp16";

/** ONNX components of an SD export, each `<component>/model.onnx`. safety_checker is optional. */
const ONNX_COMPONENTS = ["text_encoder", "unet", "vae_encoder", "vae_decoder", "safety_checker"] as const;
/** Folders whose small files (JSON, tokenizer vocabularies) are all needed. */
const SUPPORT_FOLDERS = ["tokenizer", "scheduler", "feature_extractor"] as const;
/** Weight formats of other frameworks, never needed by ONNX Runtime. */
const FOREIGN_WEIGHTS = /\.(safetensors|bin|msgpack|ckpt|pt|pth|h5)$/i;

/**
 * Graph and external-data file names per precision, as exports name them: diffusers' script and Olive write
 * `model.onnx` + `weights.pb`, optimum `model.onnx` + `model.onnx_data`; onnx-community repositories name fp16
 * graphs `model_fp16.onnx` (+ `model_fp16.onnx_data`).
 */
const GRAPH_FILES: Record<Precision, { graph: string; data: readonly string[] }> = {
  fp32: { graph: "model.onnx", data: ["model.onnx_data", "weights.pb"] },
  fp16: { graph: "model_fp16.onnx", data: ["model_fp16.onnx_data"] },
};

/** Files a usable model folder must have. */
export const REQUIRED_MODEL_FILES = ["model_index.json", "text_encoder/model.onnx", "unet/model.onnx", "vae_encoder/model.onnx", "vae_decoder/model.onnx", "tokenizer/vocab.json", "tokenizer/merges.txt", "scheduler/scheduler_config.json"];

/** A file to download: `path` in the repository, stored as `localPath` (an fp16 graph is stored as model.onnx). */
export interface SelectedFile extends RepoFile {
  localPath: string;
}

export interface FileSelection {
  files: SelectedFile[];
  /** Components whose graph is of the precision asked for; the others fell back to fp32. */
  precisionByComponent: Record<string, Precision>;
}

/**
 * Picks the pipeline's files from a repository listing. The graph is renamed to `model.onnx` locally (the loader's
 * name); its external data keeps its name, because the graph refers to it by that name.
 * @throws ModelNotUsableError when a required part is missing, naming it.
 */
export function selectPipelineFiles(listing: readonly RepoFile[], precision: Precision, repo: string): FileSelection {
  const byPath = new Map(listing.map((file) => [file.path, file]));
  const files: SelectedFile[] = [];
  const precisionByComponent: Record<string, Precision> = {};
  const take = (file: RepoFile, localPath = file.path) => files.push({ ...file, localPath });

  const index = byPath.get("model_index.json");
  if (index) take(index);
  for (const component of ONNX_COMPONENTS) {
    const chosen = precision === "fp16" && byPath.has(`${component}/${GRAPH_FILES.fp16.graph}`) ? "fp16" : "fp32";
    const names = GRAPH_FILES[chosen];
    const graph = byPath.get(`${component}/${names.graph}`);
    if (!graph) continue;
    precisionByComponent[component] = chosen;
    take(graph, `${component}/model.onnx`);
    for (const data of names.data) {
      const file = byPath.get(`${component}/${data}`);
      if (file) take(file);
    }
    const config = byPath.get(`${component}/config.json`);
    if (config) take(config);
  }
  for (const file of listing) {
    const [folder, name, deeper] = file.path.split("/");
    if (deeper !== undefined || name === undefined || !SUPPORT_FOLDERS.includes(folder as (typeof SUPPORT_FOLDERS)[number])) continue;
    if (!FOREIGN_WEIGHTS.test(name)) take(file);
  }

  const local = new Set(files.map((f) => f.localPath));
  const missing = REQUIRED_MODEL_FILES.filter((path) => !local.has(path));
  if (missing.length) {
    throw new ModelNotUsableError(
      `${repo} is not a Stable Diffusion ONNX export in the diffusers layout: it lacks ${missing.join(", ")}. ` +
        `Pick a repository with text_encoder/, unet/, vae_encoder/, vae_decoder/ (model.onnx each), tokenizer/ and scheduler/.`,
    );
  }
  return { files, precisionByComponent };
}
