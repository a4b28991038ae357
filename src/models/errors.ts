/**
 * Errors of getting a model. Every message is meant for the person at the terminal: it says what failed and what to
 * do next, and never contains a token.
 */

/** How to go on without the hub; appended to every message about a hub that could not be used. */
export const LOCAL_MODEL_HINT =
  "To use a model folder you already have: set MODEL_DIR=/path/to/sd15-onnx (or `npm run models -- add ./path --name NAME` " +
  "and MODEL=NAME). To try the plumbing with random weights (its images are noise): MODEL=synthetic.";

/** Base class: a model could not be found, downloaded or verified. The message is safe to print. */
export class ModelError extends Error {
  override readonly name: string = "ModelError";
}

/** The hub did not answer at all (refused, DNS, timeout, TLS). */
export class HubUnreachableError extends ModelError {
  override readonly name = "HubUnreachableError";
  constructor(
    readonly hubUrl: string,
    readonly reason: string,
  ) {
    super(`Could not reach the Hugging Face Hub at ${hubUrl} (${reason}).\n${LOCAL_MODEL_HINT}`);
  }
}

/** The hub answered 401/403: a gated or private repository and no (or an insufficient) HF_TOKEN. */
export class HubAccessError extends ModelError {
  override readonly name = "HubAccessError";
}

/** The repository, revision or a file is not on the hub. */
export class HubNotFoundError extends ModelError {
  override readonly name = "HubNotFoundError";
}

/** The connection dropped mid-file; the partial file stays and the next attempt resumes it. */
export class DownloadInterruptedError extends ModelError {
  override readonly name = "DownloadInterruptedError";
}

/** A downloaded file's sha256 (or size) is not what the hub's listing says; the bytes were deleted. */
export class ChecksumMismatchError extends ModelError {
  override readonly name = "ChecksumMismatchError";
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${path} failed verification: expected ${expected}, got ${actual}. The file was deleted; run the command again to download it afresh.`);
  }
}

/** Not enough free space for the files still to download. */
export class InsufficientDiskSpaceError extends ModelError {
  override readonly name = "InsufficientDiskSpaceError";
}

/** The repository does not hold an SD ONNX export in the diffusers layout, or a name is unknown. */
export class ModelNotUsableError extends ModelError {
  override readonly name = "ModelNotUsableError";
}
