import sharp from "sharp";

/** Columns of a grid: 1 image alone, 2 side by side (1×2), 3 or 4 in a 2×2 (3 leaves the last cell empty). */
export const GRID_COLUMNS = 2;

/**
 * The images (PNGs of one size, in seed order) laid out left to right, top to bottom, `GRID_COLUMNS` wide, on a
 * black background (a missing 4th cell stays black). Returns a PNG without parameters: each image keeps its own.
 */
export async function composeGrid(pngs: readonly Buffer[], width: number, height: number): Promise<Buffer> {
  if (pngs.length === 0) throw new RangeError("A grid needs at least one image");
  const columns = Math.min(GRID_COLUMNS, pngs.length);
  const rows = Math.ceil(pngs.length / GRID_COLUMNS);
  return sharp({ create: { width: width * columns, height: height * rows, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(pngs.map((input, i) => ({ input, left: (i % GRID_COLUMNS) * width, top: Math.floor(i / GRID_COLUMNS) * height })))
    .png()
    .toBuffer();
}
