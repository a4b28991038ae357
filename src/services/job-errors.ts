import { ImageInputError, InvalidOptionError } from "../inference/index.ts";
import { parseModelLabel } from "../models/installed-models.ts";

/** What the member is told when the safety checker flagged their image and the server blocks such images. */
export const FLAGGED_IMAGE_BLOCKED =
  "The model's safety checker flagged this image, so it was not posted (this server's setting). Your quota was refunded; try another prompt or seed.";

/** The job's model was removed (`models remove`) after it was queued. */
export class ModelGoneError extends Error {
  override readonly name = "ModelGoneError";
  constructor(label: string) {
    super(`The model "${parseModelLabel(label).name}" this job was queued for is no longer installed, so it cannot run. Your quota was refunded.`);
  }
}

/** The stored input image of a job is gone (deleted, another disk). */
export class JobInputMissingError extends Error {
  override readonly name = "JobInputMissingError";
  constructor() {
    super("The input image of this job is no longer stored, so it cannot run. Please send the command again.");
  }
}

/** A message safe to show: user errors as they are, faults as a short apology (details are in the log). */
export function userMessageFor(error: unknown): string {
  if (error instanceof InvalidOptionError || error instanceof ImageInputError || error instanceof JobInputMissingError || error instanceof ModelGoneError) return error.message;
  return "The model failed on this job; your quota was refunded. Please try again.";
}
