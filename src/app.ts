import { Events } from "discord.js";
import type { Config } from "./config.ts";
import { createDb, getGuildSettings, migrateDatabase, type Db } from "./db/index.ts";
import type { BotContext } from "./discord/bot-context.ts";
import { createDiscordClient } from "./discord/client.ts";
import { loadCommands } from "./discord/load-commands.ts";
import { DiscordJobPresenter } from "./discord/presenters/discord-job-presenter.ts";
import { handleInteraction } from "./events/interaction-create.ts";
import { handleReactionAdd } from "./events/message-reaction-add.ts";
import { FleetQueue } from "./fleet/fleet-queue.ts";
import { FleetReconciler } from "./fleet/fleet-reconciler.ts";
import { FleetModels } from "./fleet/fleet-models.ts";
import { NO_LOCAL_MODEL } from "./fleet/no-local-model.ts";
import { PublishedModels } from "./fleet/published-models.ts";
import { InferenceClient } from "./inference/index.ts";
import type { Logger } from "./logger.ts";
import { GenerationService, type GenerationJob, type InferenceBackend } from "./services/generation-service.ts";
import { ResultDelivery } from "./services/result-delivery.ts";
import { InputStore } from "./services/input-store.ts";
import { installedModelDefaults } from "./services/model-defaults.ts";
import type { ModelCatalog } from "./services/choose-model.ts";
import { RequestGate } from "./services/request-gate.ts";
import { flaggedImageAction, shouldSpoiler } from "./services/policy/index.ts";
import { InstalledModels, modelLabel } from "./models/installed-models.ts";
import { paletteFor } from "./services/result-actions.ts";
import { ResultStore } from "./services/result-store.ts";
import { startInference } from "./start-inference.ts";

export interface Bot {
  ctx: BotContext;
  /** Resolves once the jobs restored from the database were queued again. */
  resumed: number;
  stop(): Promise<void>;
}

export interface StartBotOptions {
  config: Config;
  logger: Logger;
  /** The startup model's folder. Not used in the distributed mode (REDIS_URL): there the models are the workers'. */
  modelDir?: string;
  /** The startup model's name (as `models list` shows it). @default the name the model folder gives itself */
  modelName?: string;
  /** Tests may inject a backend; otherwise the worker-thread client is started on `modelDir`. */
  inference?: InferenceBackend & { close?(): Promise<void> };
  /** How often a status message may be edited. @default 1500 */
  editIntervalMs?: number;
}

/**
 * Composition root of the bot: database (migrated), inference worker (model loaded once), job service, Discord
 * client and its handlers. Resumes unfinished jobs after logging in.
 */
export async function startBot(options: StartBotOptions): Promise<Bot> {
  const { config, logger } = options;
  if (!config.discordToken) throw new Error("DISCORD_TOKEN is not set");
  const migrated = await migrateDatabase(config.databaseUrl);
  if (migrated.applied.length) logger.info({ applied: migrated.applied }, "database migrated");
  const db: Db = createDb(config.databaseUrl);
  // The distributed mode (REDIS_URL): this process takes commands; the fleet's workers (`npm run worker`) run jobs
  // and publish the models they serve, which is all this process knows of models: it has no folder, downloads nothing.
  const redisUrl = config.redisUrl;
  let fleet: FleetQueue<GenerationJob> | undefined;
  const published =
    redisUrl &&
    new PublishedModels({ redisUrl, prefix: config.redisPrefix, onInvalid: (label, problem) => logger.warn({ model: label, problem }, "skipped a published model") });
  const fleetModels = published && new FleetModels({ catalog: published, defaultModel: config.model });
  const modelDir = options.modelDir ?? "";
  if (!fleetModels && !options.inference && !options.modelDir) throw new Error("startBot needs a model folder (modelDir) without REDIS_URL");
  const inference = options.inference ?? (fleetModels ? NO_LOCAL_MODEL : await startInference(config, modelDir, logger));
  const folderName = inference instanceof InferenceClient ? (await inference.info()).model : "injected";
  const startupName = options.modelName ?? folderName;
  // Generations made before models had catalog names recorded the folder's own name: their rerolls find it still.
  const installed = new InstalledModels({ modelsDir: config.modelsDir, startup: { name: startupName, dir: modelDir }, startupAliases: [folderName] });
  const models: ModelCatalog = fleetModels || installed;
  // Jobs record their model as name@commit: the startup model's commit comes from the catalog when it is a hub model.
  // A fleet's jobs always name theirs (the gate picks it from what workers published): MODEL is only a fallback.
  const modelName = fleetModels ? config.model : modelLabel(await installed.defaultModel());
  const inputs = new InputStore(config.inputStoreDir);
  const channelIsNsfw = async (channelId: string) => {
    const channel = await client.channels.fetch(channelId).catch(() => null);
    return channel !== null && "nsfw" in channel && channel.nsfw === true;
  };
  const generations = new GenerationService({
    db,
    inference,
    inputs,
    results: new ResultStore(config.resultStoreDir),
    ...(redisUrl && {
      createQueue: () =>
        (fleet = new FleetQueue<GenerationJob>({
          redisUrl,
          prefix: config.redisPrefix,
          onError: (error, where) => logger.warn({ err: error }, `fleet queue: ${where}`),
        })),
    }),
    logger,
    modelName,
    flaggedImageAction: async (job) => flaggedImageAction((await getGuildSettings(db, job.guildId)).nsfwPolicy, await channelIsNsfw(job.channelId)),
    livePreview: async (job) => (await getGuildSettings(db, job.guildId)).livePreview,
    ...(!fleetModels && {
      modelFolder: async (label: string) => {
        const found = await installed.findRecorded(label);
        return found.ok ? found.model.dir : undefined;
      },
    }),
  });
  const client = createDiscordClient({ apiUrl: config.discordApiUrl, sharding: config.sharding });
  const presenter = new DiscordJobPresenter({
    rest: client.rest,
    applicationId: () => client.application?.id ?? config.discordClientId ?? "",
    logger,
    editIntervalMs: options.editIntervalMs,
    isSpoiler: async (job) => shouldSpoiler(await getGuildSettings(db, job.guildId), await channelIsNsfw(job.channelId)),
    resultReactions: async (job) => paletteFor(job, (await getGuildSettings(db, job.guildId)).resultReactions),
  });
  generations.setPresenter(presenter);
  // The startup load was measured too: a switch back to this model is expected to take about as long.
  const startupLoadMs = inference instanceof InferenceClient ? (await inference.info()).loadMs : undefined;
  if (startupLoadMs !== undefined) generations.modelLoadMs.set(modelName, startupLoadMs);
  const gate = new RequestGate({
    db,
    generations,
    models,
    // A model's own defaults are read from its folder's files, the rule the pipeline applies at load: a precheck
    // never loads a model (nor waits behind the queue, nor evicts the resident one). A folder whose configs cannot be
    // read is taken for SD 1.5. A fleet's bot reads what the workers read from theirs and published.
    modelDefaults: fleetModels
      ? (model) => fleetModels.defaults(model)
      : installedModelDefaults(installed, modelDir, (dir, assumed) => logger.warn({ model: dir, assumed }, "a model folder's defaults were read with assumptions")),
  });
  const ctx: BotContext = { config, logger, client, db, generations, gate, inputs, presenter, models };
  const commands = await loadCommands((file, reason) => logger.warn({ file, reason }, "skipped a command module"));
  client.on(Events.InteractionCreate, (interaction) => void handleInteraction(interaction, commands, ctx));
  client.on(Events.MessageReactionAdd, (reaction, user) => void handleReactionAdd(reaction, user, ctx));
  client.on(Events.Error, (error) => logger.error({ err: error }, "discord client error"));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, "gateway disconnected"));
  client.on(Events.ShardResume, () => logger.info("gateway resumed"));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.discordToken);
  await ready;
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, commands: [...commands.keys()] }, "logged in");
  const resumed = await generations.resume();
  if (resumed) logger.info({ resumed }, "resumed unfinished jobs");
  // Redis restarted empty (or flushed): queue the database's unfinished jobs again, in their original order.
  const reconciler =
    redisUrl &&
    new FleetReconciler({
      redisUrl,
      prefix: config.redisPrefix,
      requeue: () => generations.resume(),
      onReconciled: (requeued) => logger.warn({ requeued }, "Redis had lost the fleet's queue: unfinished jobs queued again"),
      onError: (error) => logger.error({ err: error }, "could not queue the unfinished jobs again"),
    });
  if (reconciler) await reconciler.start();
  // The fleet's workers store results; the bot processes post them, each once (the outbox, see ResultDelivery).
  const fleetQueue = fleet;
  const delivery =
    fleetQueue &&
    new ResultDelivery({
      db,
      deliver: (record) => generations.deliverStored(record),
      queue: fleetQueue,
      claim: (id, ttlMs) => fleetQueue.claimDelivery(String(id), ttlMs),
      renew: (id, ttlMs) => fleetQueue.renewDeliveryClaim(String(id), ttlMs),
      servesJob: (record) => client.guilds.cache.has(record.guildId),
      logger,
    });
  if (delivery) await delivery.start();

  return {
    ctx,
    resumed,
    async stop() {
      // Order matters: no new job starts; the running one stops after its current step and is left to resume at
      // the next start (not cancelled); only once it has returned are Discord and the database closed.
      const stopped = generations.stop();
      await delivery?.stop(); // its posts under way end before the presenter closes
      if (inference.close) {
        await inference.close();
        await stopped;
      } // A backend that cannot be closed cannot be waited for either: its job stays "running" and resumes.
      presenter.close(); // scheduled edits and reactions of this run must not land after the next run's
      if (reconciler) reconciler.stop();
      await fleet?.close(); // the fleet's jobs stay on Redis for the workers and the other bot processes
      if (published) published.close();
      await client.destroy();
      await db.close();
    },
  };
}
