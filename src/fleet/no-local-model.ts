import type { InferenceBackend } from "../services/generation-service.ts";

/**
 * The inference backend of a bot process in the distributed mode: its queue has no local worker, so the service
 * never calls it; if it did, the job fails loudly instead of running on a machine that has no model loaded.
 */
export const NO_LOCAL_MODEL: InferenceBackend & { close?(): Promise<void> } = {
  generate: () => Promise.reject(new Error("This bot process runs no model (REDIS_URL is set): the fleet's workers run jobs")),
};
