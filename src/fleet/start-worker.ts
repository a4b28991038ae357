import { hostname } from "node:os";
import { REST, Routes } from "discord.js";
import type { Config } from "../config.ts";
import { createDb, getGuildSettings, migrateDatabase } from "../db/index.ts";
import { DiscordJobPresenter } from "../discord/presenters/discord-job-presenter.ts";
import { InferenceClient } from "../inference/index.ts";
import { InstalledModels, modelLabel } from "../models/installed-models.ts";
import type { Logger } from "../logger.ts";
import { GenerationService, type GenerationJob, type InferenceBackend } from "../services/generation-service.ts";
import { InputStore } from "../services/input-store.ts";
import { flaggedImageAction, shouldSpoiler } from "../services/policy/index.ts";
import { ResultStore } from "../services/result-store.ts";
import { FleetQueue } from "./fleet-queue.ts";

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
 * `npm run worker`: one GPU worker of the fleet. It loads the model once, takes the fleet's jobs one at a time in
 * the fair order decided in Redis, reports progress through Redis, stores each result in the shared results folder
 * before posting it over Discord's REST API (idempotently: nonces, and a look for an already-posted result), and
 * records every transition in the shared database. No gateway: the bot processes (`npm start`) take commands.
 *
 * A worker that dies mid-job keeps nothing to itself: BullMQ's stalled-job check hands the job to another worker,
 * which delivers the stored result if there is one and runs the job again otherwise (charged once, at submit).
 */
export async function startWorker(options: StartWorkerOptions): Promise<FleetWorker> {
  const { config, logger } = options;
  if (!config.redisUrl) throw new Error("REDIS_URL is not set: a worker takes its jobs from the fleet's Redis (see docs/deploy.md)");
  if (!config.discordToken) throw new Error("DISCORD_TOKEN is not set: a worker posts its results itself");
  const redisUrl = config.redisUrl;
  await migrateDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const inference =
    options.inference ??
    (await InferenceClient.start({
      modelDir: options.modelDir,
      maxResidentModels: config.maxResidentModels,
      loadOptions: {
        executionProviders: config.executionProvider,
        deviceId: config.cudaDeviceId,
        intraOpNumThreads: config.intraOpThreads,
        interOpNumThreads: config.interOpThreads,
        decode: { maxInputPixels: config.maxInputPixels },
      },
      log: (message) => logger.info(message),
    }));
  const folderName = inference instanceof InferenceClient ? (await inference.info()).model : "injected";
  // The same installed models and labels as the bot processes (src/app.ts): a job names its model as the bot
  // recorded it, and the worker finds that model's folder on its own disk.
  const models = new InstalledModels({
    modelsDir: config.modelsDir,
    startup: { name: options.modelName ?? folderName, dir: options.modelDir },
    startupAliases: [folderName],
  });
  const modelName = modelLabel(await models.defaultModel());
  const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
  const channelIsNsfw = async (channelId: string) => {
    const channel = (await rest.get(Routes.channel(channelId)).catch(() => null)) as { nsfw?: boolean } | null;
    return channel?.nsfw === true;
  };
  let queue: FleetQueue<GenerationJob> | undefined;
  const generations = new GenerationService({
    db,
    inference,
    inputs: new InputStore(config.inputStoreDir),
    results: new ResultStore(config.resultStoreDir),
    logger,
    modelName,
    flaggedImageAction: async (job) => flaggedImageAction((await getGuildSettings(db, job.guildId)).nsfwPolicy, await channelIsNsfw(job.channelId)),
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
        // The bot processes show positions and progress (the fleet's ETA included); a worker posts the result.
        trackPositions: false,
        followProgress: false,
        lockDurationMs: config.workerLockMs,
        // Look for stalled jobs twice per lock period: a dead worker's job moves on within 1.5 lock periods.
        stalledIntervalMs: Math.max(500, Math.round(config.workerLockMs / 2)),
        onError: (error, where) => logger.warn({ err: error }, `fleet queue: ${where}`),
      })),
  });
  const presenter = new DiscordJobPresenter({
    rest,
    applicationId: () => config.discordClientId ?? "",
    logger,
    isSpoiler: async (job) => shouldSpoiler(await getGuildSettings(db, job.guildId), await channelIsNsfw(job.channelId)),
  });
  generations.setPresenter(presenter);
  if (!queue) throw new Error("the fleet's queue was not created");
  const fleet = queue;
  await fleet.ready();
  logger.info({ model: modelName, prefix: config.redisPrefix }, "worker ready: taking the fleet's jobs");
  return {
    queue: fleet,
    async stop() {
      fleet.handBackRunningJobs();
      const stopped = generations.stop();
      if (inference.close) {
        await inference.close();
        await stopped;
      }
      await fleet.close();
      presenter.close();
      await db.close();
    },
  };
}
