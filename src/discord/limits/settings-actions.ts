// `/limits` actions on the server's own settings (GuildLimits): each is validated as a whole and stored at once.

import { resetGuildSettings, updateGuildSettings, type GuildLimits, type GuildSettingsRecord } from "../../db/index.ts";
import { validateLimitPatch } from "../../services/policy/index.ts";
import { plural } from "../../services/policy/format-count.ts";
import { MODEL_NAME } from "../../models/model-reference.ts";
import { UserFacingError } from "../user-facing-error.ts";
import type { LimitsActionInput } from "./limits-actions.ts";
import { splitWordList, wordKey } from "./parse-limits-input.ts";
import { inOptionTerms, readSetOptions } from "./set-options.ts";

/** Validates and stores a change; invalid values change nothing and are answered with their allowed range. */
async function patch(input: LimitsActionInput, limits: Partial<GuildLimits>): Promise<GuildSettingsRecord> {
  const checked = validateLimitPatch(limits);
  if (!checked.ok) throw new UserFacingError(inOptionTerms(checked.message));
  return updateGuildSettings(input.db, input.guildId, checked.value, input.userId);
}

/** `/limits set`: only the limits given change. */
export async function setLimits(input: LimitsActionInput): Promise<string> {
  const limits = readSetOptions(input.options);
  const count = Object.keys(limits).length;
  if (count === 0) throw new UserFacingError("Name at least one limit to change, e.g. `/limits set daily_images:10`.");
  // A malformed name is left to the validator's message; a well-formed one must be installed.
  if (limits.defaultModel && MODEL_NAME.test(limits.defaultModel) && !(await input.models.find(limits.defaultModel))) {
    const names = (await input.models.list()).map((m) => `\`${m.name}\``).join(", ");
    throw new UserFacingError(`No model called \`${limits.defaultModel}\` is installed on this bot. Installed: ${names}.`);
  }
  await patch(input, limits);
  return `Changed ${plural(count, "limit")}.`;
}

export async function resetLimits(input: LimitsActionInput): Promise<string> {
  await resetGuildSettings(input.db, input.guildId, input.userId);
  return "Every limit is back to its default. Role quotas and blocked members are kept.";
}

export async function addChannel(input: LimitsActionInput): Promise<string> {
  const channelId = input.options.getChannel("channel", true).id;
  const current = input.settings.allowedChannelIds;
  if (current.includes(channelId)) return `<#${channelId}> was already allowed.`;
  await patch(input, { allowedChannelIds: [...current, channelId] });
  // The first channel turns "every channel" into "only these": say so.
  return current.length === 0
    ? `Images can now be requested only in <#${channelId}> (and its threads).`
    : `Images can now be requested in <#${channelId}> too.`;
}

export async function removeChannel(input: LimitsActionInput): Promise<string> {
  const channelId = input.options.getChannel("channel", true).id;
  const remaining = input.settings.allowedChannelIds.filter((id) => id !== channelId);
  if (remaining.length === input.settings.allowedChannelIds.length) return `<#${channelId}> was not on the list.`;
  await patch(input, { allowedChannelIds: remaining });
  return remaining.length === 0
    ? `Removed <#${channelId}>; the list is empty, so images can be requested in every channel.`
    : `Removed <#${channelId}> from the allowed channels.`;
}

export async function clearChannels(input: LimitsActionInput): Promise<string> {
  await patch(input, { allowedChannelIds: [] });
  return "Images can be requested in every channel again.";
}

/** Adds comma-separated words or phrases; the validator trims them and drops case-insensitive duplicates. */
export async function addBlockedWords(input: LimitsActionInput): Promise<string> {
  const words = splitWordList(input.options.getString("words", true));
  if (words.length === 0) throw new UserFacingError("Give a word or phrase to block (separate several with commas).");
  const before = input.settings.blockedWords.length;
  const added = (await patch(input, { blockedWords: [...input.settings.blockedWords, ...words] })).blockedWords.length - before;
  const skipped = words.length - added;
  return `Blocked ${plural(added, "new word or phrase", "new words or phrases")}${skipped > 0 ? ` (${skipped} already on the list)` : ""}.`;
}

export async function removeBlockedWords(input: LimitsActionInput): Promise<string> {
  const keys = new Set(splitWordList(input.options.getString("words", true)).map(wordKey));
  const remaining = input.settings.blockedWords.filter((word) => !keys.has(wordKey(word)));
  const removed = input.settings.blockedWords.length - remaining.length;
  if (removed > 0) await patch(input, { blockedWords: remaining });
  const missing = keys.size - removed;
  return `Removed ${plural(removed, "word or phrase", "words or phrases")}${missing > 0 ? ` (${missing} not on the list)` : ""}.`;
}

export async function clearBlockedWords(input: LimitsActionInput): Promise<string> {
  await patch(input, { blockedWords: [] });
  return "Cleared the blocked words.";
}

export async function addManagerRole(input: LimitsActionInput): Promise<string> {
  const role = input.options.getRole("role", true);
  if (role.id === input.guildId) throw new UserFacingError("@everyone cannot be a bot manager role: every member would manage the bot.");
  if (input.settings.managerRoleIds.includes(role.id)) return `<@&${role.id}> was already a bot manager role.`;
  await patch(input, { managerRoleIds: [...input.settings.managerRoleIds, role.id] });
  return `Members with <@&${role.id}> can now change the limits.`;
}

export async function removeManagerRole(input: LimitsActionInput): Promise<string> {
  const role = input.options.getRole("role", true);
  if (!input.settings.managerRoleIds.includes(role.id)) return `<@&${role.id}> was not a bot manager role.`;
  await patch(input, { managerRoleIds: input.settings.managerRoleIds.filter((id) => id !== role.id) });
  return `<@&${role.id}> is no longer a bot manager role.`;
}
