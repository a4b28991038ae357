/** The job was cancelled through its AbortSignal; the pipeline stopped between steps. */
export class GenerationCancelledError extends Error {
  override readonly name = "GenerationCancelledError";
  constructor() {
    super("The generation was cancelled.");
  }
}

/** An option is out of range or of the wrong kind. The message is safe to show to users. */
export class InvalidOptionError extends Error {
  override readonly name = "InvalidOptionError";
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** The model folder is missing a part, or is not an SD ONNX export of a family the pipeline runs (the message says what it found). */
export class ModelFolderError extends Error {
  override readonly name = "ModelFolderError";
}
