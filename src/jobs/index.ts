export { FairJobQueue, type FairJobQueueEvents, type FairJobQueueOptions, type JobPosition } from "./fair-job-queue.ts";
export { costUnits, type JobContext, type JobRunner, type JobSpec } from "./job-spec.ts";
export { QueueCapError } from "./queue-cap-error.ts";
export { RoundRobin } from "./round-robin.ts";
export { StepTimeEstimator } from "./step-time-estimator.ts";
export type { Awaitable, CancelOutcome, JobQueue, JobQueueEvents } from "./job-queue.ts";
