/** Why an input image was refused; callers map these to replies without parsing messages. */
export type ImageInputErrorCode =
  | "empty"
  | "not-an-image"
  | "truncated"
  | "too-many-pixels"
  | "unsupported-format"
  | "too-large";

/**
 * An input image that Reroll refuses. The message is safe to show users as it is,
 * e.g. "This image is 30000×30000 pixels; the limit is 40 megapixels."
 */
export class ImageInputError extends Error {
  override readonly name = "ImageInputError";
  readonly code: ImageInputErrorCode;

  constructor(code: ImageInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A result image that cannot be made to fit an upload limit, even as a small JPEG.
 * The message is safe to show users.
 */
export class UploadLimitError extends Error {
  override readonly name = "UploadLimitError";

  constructor(
    readonly limitBytes: number,
    readonly smallestBytes: number,
  ) {
    super(
      `The result image could not be made smaller than ${formatBytes(smallestBytes)}; the upload limit is ${formatBytes(limitBytes)}.`,
    );
  }
}

/** "512 bytes", "12.3 KiB", "8 MiB": for messages only. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}
