// The `/limits` subcommands and what each does. Every action that changes something returns a one-line note on
// what it did; the command then answers with the full resulting settings.

import type { ChatInputCommandInteraction } from "discord.js";
import type { Db, GuildSettingsRecord } from "../../db/index.ts";
import type { ModelCatalog } from "../../services/choose-model.ts";
import { UserFacingError } from "../user-facing-error.ts";
import { blockMember, clearRoleQuotaOf, resetMemberUsage, setRoleQuotaOf, unblockMember } from "./member-and-role-actions.ts";
import {
  addBlockedWords,
  addChannel,
  addManagerRole,
  clearBlockedWords,
  clearChannels,
  removeBlockedWords,
  removeChannel,
  removeManagerRole,
  resetLimits,
  setLimits,
} from "./settings-actions.ts";

/** What an action gets: the interaction's options, where, who, and the settings before the change. */
export interface LimitsActionInput {
  options: ChatInputCommandInteraction["options"];
  db: Db;
  guildId: string;
  /** Who runs the command (recorded as `updatedBy`). */
  userId: string;
  settings: GuildSettingsRecord;
  /** The installed models (a server's default model must be one of them). */
  models: Pick<ModelCatalog, "find" | "list">;
}

export interface LimitsAction {
  /** Whether the action changes anything (then only bot managers may run it). */
  changes: boolean;
  /** Does it; returns what to say above the settings, if anything. */
  run(input: LimitsActionInput): Promise<string | undefined>;
}

const change = (run: LimitsAction["run"]): LimitsAction => ({ changes: true, run });

/** Every subcommand, by "group subcommand" ("channels add") or "subcommand" ("set"). */
export const LIMITS_ACTIONS: ReadonlyMap<string, LimitsAction> = new Map<string, LimitsAction>([
  ["show", { changes: false, run: async () => undefined }],
  ["set", change(setLimits)],
  ["reset", change(resetLimits)],
  ["channels add", change(addChannel)],
  ["channels remove", change(removeChannel)],
  ["channels clear", change(clearChannels)],
  ["blocked-words add", change(addBlockedWords)],
  ["blocked-words remove", change(removeBlockedWords)],
  ["blocked-words clear", change(clearBlockedWords)],
  ["role-quota set", change(setRoleQuotaOf)],
  ["role-quota clear", change(clearRoleQuotaOf)],
  ["managers add", change(addManagerRole)],
  ["managers remove", change(removeManagerRole)],
  ["user block", change(blockMember)],
  ["user unblock", change(unblockMember)],
  ["user reset-usage", change(resetMemberUsage)],
]);

/** "channels add" or "set": the subcommand the member used, with its group. */
export function subcommandName(options: ChatInputCommandInteraction["options"]): string {
  const group = options.getSubcommandGroup(false);
  const subcommand = options.getSubcommand(true);
  return group ? `${group} ${subcommand}` : subcommand;
}

/** The action for a subcommand name; a UserFacingError for one this version does not know (stale registration). */
export function findLimitsAction(name: string): LimitsAction {
  const action = LIMITS_ACTIONS.get(name);
  if (!action) throw new UserFacingError("This /limits action is not known to this version of the bot.");
  return action;
}
