// A job of the fleet as BullMQ holds it, the same for every bot process and worker: its data, its id, and what its
// processor ends with.

/** The BullMQ queue every bot process and worker of one deployment shares. */
export const FLEET_QUEUE_NAME = "generations";

/** What a BullMQ job of the fleet carries: the job itself and the round it was given (see FairRounds). */
export interface FleetJobData<J> {
  job: J;
  round: number;
}

/** BullMQ refuses integer-looking custom ids. */
export const bullId = (jobId: string): string => `job-${jobId}`;

/** The job's own id in a BullMQ id ({@link bullId}'s inverse). */
export const jobIdOf = (bullJobId: string): string => bullJobId.replace(/^job-/, "");

/** The failed reason of a job whose runner rejected after a cancel: every process reports it as `cancelled`. */
export const CANCELLED_REASON = "reroll:cancelled";

/** What a finished job's processor returns, for every process's `finished` event. */
export interface FleetJobTiming {
  ms: number;
  msPerStep: number;
}

/** A finished job's timing from BullMQ's `completed` event (JSON, or its value already parsed). */
export function timingOf(returnvalue: unknown): FleetJobTiming {
  const value = typeof returnvalue === "string" ? (JSON.parse(returnvalue) as unknown) : returnvalue;
  const { ms, msPerStep } = (value ?? {}) as Partial<FleetJobTiming>;
  return { ms: Number(ms) || 0, msPerStep: Number(msPerStep) || 0 };
}
