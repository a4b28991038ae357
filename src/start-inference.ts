import type { Config } from "./config.ts";
import { InferenceClient } from "./inference/index.ts";
import type { Logger } from "./logger.ts";

/**
 * The worker-thread inference client on `modelDir` with the configured providers, threads, resident-model budget
 * and decode limits: what a single-process bot and a fleet's GPU worker both start.
 */
export function startInference(config: Config, modelDir: string, logger: Logger): Promise<InferenceClient> {
  return InferenceClient.start({
    modelDir,
    maxResidentModels: config.maxResidentModels,
    loadOptions: {
      executionProviders: config.executionProvider,
      deviceId: config.cudaDeviceId,
      intraOpNumThreads: config.intraOpThreads,
      interOpNumThreads: config.interOpThreads,
      decode: { maxInputPixels: config.maxInputPixels },
    },
    log: (message) => logger.info(message),
  });
}
