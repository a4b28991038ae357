import { hostname } from "node:os";
import type { Config } from "../config.ts";
import { createDb, migrateDatabase } from "../db/index.ts";
import { InferenceClient } from "../inference/index.ts";
import { InstalledModels, modelLabel } from "../models/installed-models.ts";
import type { Logger } from "../logger.ts";
import { GenerationService, type GenerationJob, type InferenceBackend } from "../services/generation-service.ts";
import { InputStore } from "../services/input-store.ts";
import { folderFamilyReader } from "../services/model-defaults.ts";
import { ResultStore } from "../services/result-store.ts";
import { FleetQueue } from "./fleet-queue.ts";
import { describeInstalledModels } from "./model-descriptions.ts";
import { ModelPublisher } from "./model-publisher.ts";
import { PublishedModels } from "./published-models.ts";
import { startInference } from "../start-inference.ts";

export interface StartWorkerOptions {
  config: Config;
  logger: Logger;
  modelDir: string;
  /** The model's name recorded with results. @default the name the model folder gives itself */
  modelName?: string;
  /** A stand-in model (tests, the fleet bench); otherwise the worker-thread client is started on `modelDir`. */
  inference?: InferenceBackend & { close?(): Promise<void> };
}

export interface FleetWorker {
  queue: FleetQueue<GenerationJob>;
  /** Finishes the running job's current step, leaves the job to the fleet (another worker or a restart), closes all. */
  stop(): Promise<void>;
}

/**
 * `npm run worker`: one GPU worker of the fleet. It loads the model once, publishes the models it serves (names,
 * families, defaults: the bot processes hold no model files), takes the fleet's jobs one at a time in the fair order
 * decided in Redis, reports progress through Redis, and ends each job by storing its result in the shared results
 * folder with the record marked "stored" (the outbox). It never talks to Discord: the bot processes (`npm start`)
 * take commands and post the stored results (src/services/result-delivery.ts).
 *
 * A worker that dies mid-job keeps nothing to itself: BullMQ's stalled-job check hands the job to another worker,
 * which records the stored result if there is one and runs the job again otherwise (charged once, at submit).
 */
export async function startWorker(options: StartWorkerOptions): Promise<FleetWorker> {
  const { config, logger } = options;
  if (!config.redisUrl) throw new Error("REDIS_URL is not set: a worker takes its jobs from the fleet's Redis (see docs/deploy.md)");
  const redisUrl = config.redisUrl;
  await migrateDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const inference =
    options.inference ??
    (await startInference(config, options.modelDir, logger));
  const folderName = inference instanceof InferenceClient ? (await inference.info()).model : "injected";
  // The same installed models and labels as the bot processes (src/app.ts): a job names its model as the bot
  // recorded it, and the worker finds that model's folder on its own disk.
  const models = new InstalledModels({
    modelsDir: config.modelsDir,
    startup: { name: options.modelName ?? folderName, dir: options.modelDir },
    startupAliases: [folderName],
  });
  const modelName = modelLabel(await models.defaultModel());
  let queue: FleetQueue<GenerationJob> | undefined;
  const generations = new GenerationService({
    db,
    inference,
    inputs: new InputStore(config.inputStoreDir),
    results: new ResultStore(config.resultStoreDir),
    logger,
    modelName,
    storeOnly: true,
    // Stored with its flag, never decided here: the bot that posts it reads the channel and applies the server's policy.
    flaggedImageAction: async () => "spoiler",
    modelFolder: async (label) => {
      const found = await models.findRecorded(label);
      return found.ok ? found.model.dir : undefined;
    },
    createQueue: (run) =>
      (queue = new FleetQueue<GenerationJob>({
        redisUrl,
        prefix: config.redisPrefix,
        run,
        workerName: `${hostname()}:${process.pid}`,
        // The bot processes show positions and progress (the fleet's ETA included) and post the results.
        trackPositions: false,
        followProgress: false,
        lockDurationMs: config.workerLockMs,
        // Look for stalled jobs twice per lock period: a dead worker's job moves on within 1.5 lock periods.
        stalledIntervalMs: Math.max(500, Math.round(config.workerLockMs / 2)),
        onError: (error, where) => logger.warn({ err: error }, `fleet queue: ${where}`),
      })),
  });
  if (!queue) throw new Error("the fleet's queue was not created");
  const fleet = queue;
  await fleet.ready();
  const published = new PublishedModels({ redisUrl, prefix: config.redisPrefix });
  const readFamily = folderFamilyReader((dir, assumed) => logger.warn({ model: dir, assumed }, "a model folder's defaults were read with assumptions"));
  const publisher = new ModelPublisher({
    catalog: published,
    describe: () => describeInstalledModels(models, { modelsDir: config.modelsDir, readFamily }),
    onError: (error) => logger.warn({ err: error }, "could not publish this worker's models (tried again in a moment)"),
  });
  await publisher.start();
  logger.info({ model: modelName, prefix: config.redisPrefix }, "worker ready: taking the fleet's jobs");
  return {
    queue: fleet,
    async stop() {
      publisher.stop(); // what it published stays: the bots keep knowing its models while it is down
      published.close();
      fleet.handBackRunningJobs();
      const stopped = generations.stop();
      if (inference.close) {
        await inference.close();
        await stopped;
      }
      await fleet.close();
      await db.close();
    },
  };
}
