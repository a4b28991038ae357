import type { Client } from "discord.js";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { ModelCatalog } from "../services/choose-model.ts";
import type { GenerationService } from "../services/generation-service.ts";
import type { InputStore } from "../services/input-store.ts";
import type { RequestGate } from "../services/request-gate.ts";
import type { DiscordJobPresenter } from "./presenters/discord-job-presenter.ts";

/** What command and event handlers get: the composition root's services, nothing global. */
export interface BotContext {
  config: Config;
  logger: Logger;
  client: Client;
  db: Db;
  generations: GenerationService;
  /** Every request for an image goes through it. */
  gate: RequestGate;
  inputs: InputStore;
  presenter: DiscordJobPresenter;
  /** The models members may pick, and the bot's own default (this machine's, or what the fleet's workers publish). */
  models: ModelCatalog;
}
