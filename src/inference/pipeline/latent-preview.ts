/** A small picture of the image as it forms: one RGB pixel per latent cell (64×64 for a 512×512 image). */
export interface LatentPreview {
  width: number;
  height: number;
  /** Interleaved RGB bytes, row by row (`width × height × 3`). */
  rgb: Uint8Array;
}

/**
 * The linear latent→RGB factors ComfyUI (comfy/latent_formats.py, `SD15.latent_rgb_factors`) and webui's "Approx
 * cheap" preview use for SD 1.x latents: row = latent channel, columns = R, G, B. SD 2.x shares SD 1.x's VAE.
 */
export const SD15_LATENT_RGB_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

/**
 * Decodes one image's latents `[1, 4, h, w]` (the scaled latents the UNet sees) to RGB with the 4×3 factor matrix,
 * as ComfyUI's Latent2RGBPreviewer does: `rgb = latent · factors`, then `((rgb + 1) / 2)` clamped to [0, 1] × 255.
 * No VAE pass: about 12 multiply-adds per latent cell.
 */
export function latentPreview(latents: Float32Array, dims: readonly number[], factors = SD15_LATENT_RGB_FACTORS): LatentPreview {
  const [, channels, height, width] = dims;
  if (channels !== factors.length || height === undefined || width === undefined || latents.length < channels * height * width) {
    throw new RangeError(`latentPreview: expected latents of shape [1, ${factors.length}, h, w], got [${dims.join(", ")}]`);
  }
  const plane = height * width;
  const rgb = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let c = 0; c < channels; c++) {
      const v = latents[c * plane + i]!;
      const f = factors[c]!;
      r += v * f[0];
      g += v * f[1];
      b += v * f[2];
    }
    rgb[i * 3] = toByte(r);
    rgb[i * 3 + 1] = toByte(g);
    rgb[i * 3 + 2] = toByte(b);
  }
  return { width, height, rgb };
}

function toByte(value: number): number {
  return Math.round(Math.min(1, Math.max(0, (value + 1) / 2)) * 255);
}
