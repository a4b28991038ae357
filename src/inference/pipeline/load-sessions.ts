import { graphUsesOp } from "../onnx/graph-uses-op.ts";
import { ModelSession, type ModelSessionOptions } from "../onnx/model-session.ts";
import { ModelFolderError } from "./errors.ts";
import type { ModelFolder } from "./model-folder.ts";

/** The four ONNX sessions of an SD export. */
export interface PipelineSessions {
  textEncoder: ModelSession;
  unet: ModelSession;
  vaeEncoder: ModelSession;
  vaeDecoder: ModelSession;
}

/**
 * Loads the four parts one after another (loading four graphs at once doubles peak memory for the same total
 * time), releases what was loaded if one fails, and checks the inputs and outputs the pipeline feeds and reads.
 */
export async function loadSessions(model: ModelFolder, options: ModelSessionOptions): Promise<PipelineSessions> {
  const sessions: ModelSession[] = [];
  try {
    for (const part of ["text_encoder", "unet", "vae_encoder", "vae_decoder"] as const) {
      sessions.push(await ModelSession.load(part, model.paths[part], options));
    }
    const [textEncoder, unet, vaeEncoder, vaeDecoder] = sessions as [ModelSession, ModelSession, ModelSession, ModelSession];
    checkExport(unet, vaeEncoder);
    if (vaeEncoder.hasOutput("latent_sample") && (await graphUsesOp(model.paths.vae_encoder, "RandomNormal"))) {
      // diffusers' export script traces latent_dist.sample(): the graph draws its own noise, which no seed reaches.
      options.log?.(
        "vae_encoder draws its latent sample inside the graph (RandomNormalLike): img2img results with the same seed " +
          "will differ between runs. An optimum export (latent_parameters output) is fully reproducible.",
      );
    }
    return { textEncoder, unet, vaeEncoder, vaeDecoder };
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release()));
    throw error;
  }
}

function checkExport(unet: ModelSession, vaeEncoder: ModelSession): void {
  for (const name of ["sample", "timestep", "encoder_hidden_states"]) unet.input(name);
  if (!unet.hasOutput("out_sample")) throw new ModelFolderError("unet/model.onnx has no `out_sample` output; is it a Stable Diffusion UNet export?");
  if (!vaeEncoder.hasOutput("latent_sample") && !vaeEncoder.hasOutput("latent_parameters")) {
    throw new ModelFolderError("vae_encoder/model.onnx has neither `latent_sample` nor `latent_parameters` as output");
  }
}
