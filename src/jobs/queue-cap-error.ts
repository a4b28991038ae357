/** Thrown by `enqueue` when the user already has as many jobs waiting as allowed. Its message is safe to show. */
export class QueueCapError extends Error {
  override readonly name = "QueueCapError";

  constructor(
    /** The user whose job was refused. */
    readonly userId: string,
    /** How many waiting jobs a user may have. */
    readonly cap: number,
  ) {
    super(
      `You already have ${cap} ${cap === 1 ? "job" : "jobs"} waiting, the most allowed per person. ` +
        "Try again when one of them has started, or cancel one.",
    );
  }
}
