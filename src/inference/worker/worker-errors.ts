/** The inference worker died (out of memory, a native crash); the job that was running fails, the client restarts it. */
export class InferenceWorkerCrashedError extends Error {
  override readonly name = "InferenceWorkerCrashedError";
}

/**
 * The client was closed (the process is stopping) while a job ran or waited. Not a cancel: nobody asked to drop
 * the job, so a caller that keeps jobs across restarts leaves it to run again at the next start.
 */
export class InferenceShuttingDownError extends Error {
  override readonly name = "InferenceShuttingDownError";
  constructor(message = "The inference worker is shutting down; the job did not finish.") {
    super(message);
  }
}
