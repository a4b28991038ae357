import sharp from "sharp";

/** A photo-like JPEG (smooth detail at several scales): what users send, unlike a flat colour or pure noise. */
export async function photoLikeJpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  const detail = await sharp({
    create: { width: Math.ceil(width / 5), height: Math.ceil(height / 5), channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } },
  })
    .png()
    .toBuffer();
  return sharp(detail).resize(width, height, { kernel: "cubic" }).blur(1.2).jpeg({ quality }).toBuffer();
}
