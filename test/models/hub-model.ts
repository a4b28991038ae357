/** A fake hub serving the synthesized tiny model the way real SD repositories look (with files the pipeline skips). */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { folderFiles, HubFake, type HubFakeOptions } from "../hub-fake/index.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

export const REPO = "fake-org/sd15-tiny-onnx";

/** Files a real repository carries that the ONNX pipeline must not download. */
export const SKIPPED_FILES: Record<string, Buffer> = {
  "README.md": Buffer.from("# a model card\n"),
  ".gitattributes": Buffer.from("*.onnx filter=lfs diff=lfs merge=lfs -text\n"),
  "unet/diffusion_pytorch_model.safetensors": Buffer.alloc(4096, 1),
  "text_encoder/pytorch_model.bin": Buffer.alloc(2048, 2),
  "vae_decoder/model_quantized.onnx": Buffer.alloc(1024, 3),
};

export async function startHubWithModel(options: HubFakeOptions & { gated?: boolean } = {}): Promise<{ hub: HubFake; commit: string; modelsDir: string }> {
  const hub = await new HubFake(options).start();
  const files = await folderFiles(await syntheticModel("tiny"));
  const commit = hub.push(REPO, { ...files, ...SKIPPED_FILES }, { gated: options.gated });
  const modelsDir = await mkdtemp(join(tmpdir(), "reroll-models-"));
  return { hub, commit, modelsDir };
}
