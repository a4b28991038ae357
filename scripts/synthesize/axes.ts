import type { Dim } from "./graph-builder.ts";
import type { SyntheticVariant } from "./variants.ts";

/** Names of the dynamic axes, as one exporter writes them. */
export interface AxisNames {
  batch: string;
  sequence: string;
  /** Channel axis of an image-like input: dynamic in diffusers' script, fixed in optimum. */
  inputChannels(fixed: number): Dim;
  /** Spatial axes of the VAE's latents. */
  latent: [string, string];
  /** Spatial axes of the UNet's sample (both exporters call them height and width). */
  unet: [string, string];
  /** Spatial axes of pixel images. */
  image: [string, string];
}

/** The axis names of a variant's flavour (diffusers' `dynamic_axes` or optimum's ONNX config). */
export function axisNames(variant: SyntheticVariant): AxisNames {
  if ((variant.axisNames ?? "diffusers") === "optimum") {
    return {
      batch: "batch_size",
      sequence: "sequence_length",
      inputChannels: (fixed) => fixed,
      latent: ["height_latent", "width_latent"],
      unet: ["height", "width"],
      image: ["height", "width"],
    };
  }
  return {
    batch: "batch",
    sequence: "sequence",
    inputChannels: () => "channels",
    latent: ["height", "width"],
    unet: ["height", "width"],
    image: ["image_height", "image_width"],
  };
}
