import type { RgbImage } from "../image/decode-image.ts";
import { imageToTensor, tensorToImage } from "../image/image-tensor.ts";
import type { ModelSession } from "../onnx/model-session.ts";
import type { Generator } from "../random/generator.ts";
import { sampleLatentDistribution, scale, unscale } from "./latents.ts";

/** The VAE encoder's output the export has: a latent sample, or the distribution's mean ‖ log-variance. */
export type VaeEncoderOutput = "latent_sample" | "latent_parameters";

export function vaeEncoderOutput(vaeEncoder: ModelSession): VaeEncoderOutput {
  return vaeEncoder.hasOutput("latent_sample") ? "latent_sample" : "latent_parameters";
}

/**
 * diffusers' img2img `prepare_latents` up to the noise: the image as NCHW [1, 3, H, W] in [−1, 1] through the VAE
 * encoder, a draw from the latent distribution (from the seeded generator, before the noise, as diffusers draws),
 * times the scaling factor.
 */
export async function encodeImageLatents(vaeEncoder: ModelSession, image: RgbImage, scalingFactor: number, generator: Generator): Promise<Float32Array> {
  const output = vaeEncoderOutput(vaeEncoder);
  const encoded = await vaeEncoder.run({ sample: { data: imageToTensor(image), dims: [1, 3, image.height, image.width] } }, [output]);
  const raw = encoded[output]!;
  const sample = output === "latent_parameters" ? sampleLatentDistribution(raw.data, raw.dims, generator).data : raw.data;
  return scale(sample, scalingFactor);
}

/** diffusers' `decode_latents`: latents / scaling factor through the VAE decoder, [−1, 1] → RGB8. */
export async function decodeLatents(
  vaeDecoder: ModelSession,
  latents: Float32Array,
  latentShape: readonly number[],
  scalingFactor: number,
  size: { width: number; height: number },
): Promise<RgbImage> {
  const decoded = await vaeDecoder.run({ latent_sample: { data: unscale(latents, scalingFactor), dims: latentShape } }, ["sample"]);
  return tensorToImage(decoded.sample!.data, size.width, size.height);
}
