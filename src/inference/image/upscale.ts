import sharp from "sharp";
import type { RgbImage } from "./decode-image.ts";

/** Resizes an RGB image with Lanczos (sharp's `lanczos3`, the kernel A1111's "Lanczos" upscaler uses). */
export async function lanczosResize(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel: "lanczos3", fit: "fill" })
    .raw()
    .toBuffer();
  return { data, width, height };
}

/** One tile of an image: its top-left corner and size. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Cuts `width × height` into tiles of at most `tile × tile` that overlap by at least `overlap` pixels, the last tile
 * of each row and column flush with the edge. Every tile side stays a multiple of 8 when the inputs are (latents).
 * One tile when the image fits.
 */
export function planTiles(width: number, height: number, tile: number, overlap: number): Tile[] {
  if (overlap >= tile) throw new RangeError(`planTiles: the overlap (${overlap}) must be smaller than the tile (${tile})`);
  const xs = starts(width, tile, overlap);
  const ys = starts(height, tile, overlap);
  const tiles: Tile[] = [];
  for (const y of ys) for (const x of xs) tiles.push({ x, y, width: Math.min(tile, width), height: Math.min(tile, height) });
  return tiles;
}

function starts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const count = Math.ceil((length - overlap) / (tile - overlap));
  const stride = (length - tile) / (count - 1);
  // Spread evenly, rounded down to multiples of 8 so each tile maps onto whole latent cells; the last is flush.
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? length - tile : Math.floor((i * stride) / 8) * 8));
}

/** Cuts one tile out of an image. */
export function cropTile(image: RgbImage, tile: Tile): RgbImage {
  const data = Buffer.alloc(tile.width * tile.height * 3);
  for (let row = 0; row < tile.height; row++) {
    const from = ((tile.y + row) * image.width + tile.x) * 3;
    data.set(image.data.subarray(from, from + tile.width * 3), row * tile.width * 3);
  }
  return { data, width: tile.width, height: tile.height };
}

/**
 * Puts refined tiles back together. Where tiles overlap, each pixel is the weighted mean of the tiles covering it;
 * a tile's weight ramps linearly from ~0 at an edge it shares with a neighbour to 1 `overlap` pixels inside (edges
 * on the image border keep weight 1), so seams fade instead of cutting.
 */
export function blendTiles(width: number, height: number, tiles: ReadonlyArray<{ tile: Tile; image: RgbImage }>, overlap: number): RgbImage {
  const sum = new Float64Array(width * height * 3);
  const weights = new Float64Array(width * height);
  for (const { tile, image } of tiles) {
    const ramp = (distance: number, shared: boolean) => (shared && overlap > 0 ? Math.min(1, (distance + 0.5) / overlap) : 1);
    const left = tile.x > 0;
    const top = tile.y > 0;
    const right = tile.x + tile.width < width;
    const bottom = tile.y + tile.height < height;
    for (let row = 0; row < tile.height; row++) {
      const wy = Math.min(ramp(row, top), ramp(tile.height - 1 - row, bottom));
      for (let col = 0; col < tile.width; col++) {
        const w = wy * Math.min(ramp(col, left), ramp(tile.width - 1 - col, right));
        const at = (tile.y + row) * width + tile.x + col;
        const from = (row * tile.width + col) * 3;
        weights[at]! += w;
        sum[at * 3]! += w * image.data[from]!;
        sum[at * 3 + 1]! += w * image.data[from + 1]!;
        sum[at * 3 + 2]! += w * image.data[from + 2]!;
      }
    }
  }
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const w = weights[i]!;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = w > 0 ? Math.round(sum[i * 3 + c]! / w) : 0;
  }
  return { data, width, height };
}
