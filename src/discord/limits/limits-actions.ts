// What each `/limits` subcommand does. Every action that changes something returns a one-line note on what it
// did; the command then answers with the full resulting settings.

import type { ChatInputCommandInteraction } from "discord.js";
import {
  blockUser,
  clearRoleQuota,
  resetGuildSettings,
  resetUsage,
  setRoleQuota,
  unblockUser,
  updateGuildSettings,
  type Db,
  type GuildLimits,
  type GuildSettingsRecord,
} from "../../db/index.ts";
import { findControlCharacter, validateLimitPatch } from "../../services/policy/index.ts";
import { plural } from "../../services/policy/format-count.ts";
import { UserFacingError } from "../user-facing-error.ts";
import { parseRoleQuotaLimit, splitWordList, wordKey } from "./parse-limits-input.ts";
import { inOptionTerms, readSetOptions } from "./set-options.ts";

/** What an action gets: the interaction's options, where, who, and the settings before the change. */
export interface LimitsActionInput {
  options: ChatInputCommandInteraction["options"];
  db: Db;
  guildId: string;
  /** Who runs the command (recorded as `updatedBy`). */
  userId: string;
  settings: GuildSettingsRecord;
}

export interface LimitsAction {
  /** Whether the action changes anything (then only bot managers may run it). */
  changes: boolean;
  /** Does it; returns what to say above the settings, if anything. */
  run(input: LimitsActionInput): Promise<string | undefined>;
}

/** Every subcommand, by "group subcommand" ("channels add") or "subcommand" ("set"). */
export const LIMITS_ACTIONS: ReadonlyMap<string, LimitsAction> = new Map<string, LimitsAction>([
  ["show", { changes: false, run: async () => undefined }],
  ["set", change(setLimits)],
  ["reset", change(resetLimits)],
  ["channels add", change(addChannel)],
  ["channels remove", change(removeChannel)],
  ["channels clear", change(async (input) => (await patch(input, { allowedChannelIds: [] }), "Images can be requested in every channel again."))],
  ["blocked-words add", change(addBlockedWords)],
  ["blocked-words remove", change(removeBlockedWords)],
  ["blocked-words clear", change(async (input) => (await patch(input, { blockedWords: [] }), "Cleared the blocked words."))],
  ["role-quota set", change(setRoleQuotaAction)],
  ["role-quota clear", change(clearRoleQuotaAction)],
  ["managers add", change(addManagerRole)],
  ["managers remove", change(removeManagerRole)],
  ["user block", change(blockMember)],
  ["user unblock", change(async ({ options, db, guildId }) => {
    const user = options.getUser("user", true);
    await unblockUser(db, guildId, user.id);
    return `Unblocked <@${user.id}>: they can request images again.`;
  })],
  ["user reset-usage", change(async ({ options, db, guildId }) => {
    const user = options.getUser("user", true);
    await resetUsage(db, guildId, user.id);
    return `Reset today's usage of <@${user.id}>: images they requested before now no longer count.`;
  })],
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

function change(run: LimitsAction["run"]): LimitsAction {
  return { changes: true, run };
}

/** Validates and stores a change; invalid values change nothing and are answered with their allowed range. */
async function patch(input: LimitsActionInput, limits: Partial<GuildLimits>): Promise<GuildSettingsRecord> {
  const checked = validateLimitPatch(limits);
  if (!checked.ok) throw new UserFacingError(inOptionTerms(checked.message));
  return updateGuildSettings(input.db, input.guildId, checked.value, input.userId);
}

async function setLimits(input: LimitsActionInput): Promise<string> {
  const limits = readSetOptions(input.options);
  const count = Object.keys(limits).length;
  if (count === 0) throw new UserFacingError("Name at least one limit to change, e.g. `/limits set daily_images:10`.");
  await patch(input, limits);
  return `Changed ${plural(count, "limit")}.`;
}

async function resetLimits(input: LimitsActionInput): Promise<string> {
  await resetGuildSettings(input.db, input.guildId, input.userId);
  return "Every limit is back to its default. Role quotas and blocked members are kept.";
}

async function addChannel(input: LimitsActionInput): Promise<string> {
  const channelId = input.options.getChannel("channel", true).id;
  const current = input.settings.allowedChannelIds;
  if (current.includes(channelId)) return `<#${channelId}> was already allowed.`;
  await patch(input, { allowedChannelIds: [...current, channelId] });
  return current.length === 0
    ? `Images can now be requested only in <#${channelId}> (and its threads).`
    : `Images can now be requested in <#${channelId}> too.`;
}

async function removeChannel(input: LimitsActionInput): Promise<string> {
  const channelId = input.options.getChannel("channel", true).id;
  const remaining = input.settings.allowedChannelIds.filter((id) => id !== channelId);
  if (remaining.length === input.settings.allowedChannelIds.length) return `<#${channelId}> was not on the list.`;
  await patch(input, { allowedChannelIds: remaining });
  return remaining.length === 0
    ? `Removed <#${channelId}>; the list is empty, so images can be requested in every channel.`
    : `Removed <#${channelId}> from the allowed channels.`;
}

async function addBlockedWords(input: LimitsActionInput): Promise<string> {
  const words = splitWordList(input.options.getString("words", true));
  if (words.length === 0) throw new UserFacingError("Give a word or phrase to block (separate several with commas).");
  const before = input.settings.blockedWords.length;
  const after = (await patch(input, { blockedWords: [...input.settings.blockedWords, ...words] })).blockedWords.length;
  const already = words.length - (after - before);
  return `Blocked ${plural(after - before, "new word or phrase", "new words or phrases")}${already > 0 ? ` (${already} already on the list)` : ""}.`;
}

async function removeBlockedWords(input: LimitsActionInput): Promise<string> {
  const keys = new Set(splitWordList(input.options.getString("words", true)).map(wordKey));
  const remaining = input.settings.blockedWords.filter((word) => !keys.has(wordKey(word)));
  const removed = input.settings.blockedWords.length - remaining.length;
  if (removed > 0) await patch(input, { blockedWords: remaining });
  return `Removed ${plural(removed, "word or phrase", "words or phrases")}${keys.size > removed ? ` (${keys.size - removed} not on the list)` : ""}.`;
}

async function setRoleQuotaAction({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const role = options.getRole("role", true);
  // memberInfo leaves @everyone out of a member's roles: its quota is the server's own limit.
  if (role.id === guildId) throw new UserFacingError("@everyone's quota is the server's limit: use `/limits set daily_images`.");
  const limit = parseRoleQuotaLimit(options.getString("limit", true));
  await setRoleQuota(db, guildId, role.id, limit);
  return `Members with <@&${role.id}> may request ${limit === null ? "unlimited images" : plural(limit, "image")} a day.`;
}

async function clearRoleQuotaAction({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const role = options.getRole("role", true);
  const had = await clearRoleQuota(db, guildId, role.id);
  return had ? `<@&${role.id}> no longer has its own quota.` : `<@&${role.id}> had no quota of its own.`;
}

async function addManagerRole(input: LimitsActionInput): Promise<string> {
  const role = input.options.getRole("role", true);
  if (role.id === input.guildId) throw new UserFacingError("@everyone cannot be a bot manager role: every member would manage the bot.");
  if (input.settings.managerRoleIds.includes(role.id)) return `<@&${role.id}> was already a bot manager role.`;
  await patch(input, { managerRoleIds: [...input.settings.managerRoleIds, role.id] });
  return `Members with <@&${role.id}> can now change the limits.`;
}

async function removeManagerRole(input: LimitsActionInput): Promise<string> {
  const role = input.options.getRole("role", true);
  if (!input.settings.managerRoleIds.includes(role.id)) return `<@&${role.id}> was not a bot manager role.`;
  await patch(input, { managerRoleIds: input.settings.managerRoleIds.filter((id) => id !== role.id) });
  return `<@&${role.id}> is no longer a bot manager role.`;
}

async function blockMember({ options, db, guildId }: LimitsActionInput): Promise<string> {
  const user = options.getUser("user", true);
  const reason = options.getString("reason")?.trim() || null;
  // The reason is shown to the member: no invisible or control characters in it.
  const control = reason === null ? null : findControlCharacter(reason);
  if (control) throw new UserFacingError(`The reason contains a ${control.name} (${control.codePoint}); please remove it.`);
  await blockUser(db, guildId, user.id, reason);
  return `Blocked <@${user.id}> from requesting images${reason ? ` (reason shown to them: ${reason})` : ""}.`;
}
