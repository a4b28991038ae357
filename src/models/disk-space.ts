/** The free-space check before a download starts: failing at once beats failing at 90 % of 5 GB. */
import { statfs } from "node:fs/promises";
import { InsufficientDiskSpaceError } from "./errors.ts";
import { formatBytes } from "./byte-format.ts";

/** Kept free on top of the download itself, for the database, results and the OS. */
export const DISK_SPACE_MARGIN_BYTES = 256 * 1024 * 1024;

/** Bytes available to this (unprivileged) process on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/**
 * @param available how to measure free space (tests pass their own). @default freeBytes
 * @throws InsufficientDiskSpaceError naming both numbers and the folder.
 */
export async function ensureFreeSpace(dir: string, needed: number, available: (dir: string) => Promise<number> = freeBytes): Promise<void> {
  const free = await available(dir);
  if (needed + DISK_SPACE_MARGIN_BYTES > free) {
    throw new InsufficientDiskSpaceError(
      `Not enough disk space in ${dir}: the model needs ${formatBytes(needed)} more (plus ${formatBytes(DISK_SPACE_MARGIN_BYTES)} kept free), ` +
        `and ${formatBytes(free)} is free. Free some space or set MODELS_DIR to a larger disk.`,
    );
  }
}
