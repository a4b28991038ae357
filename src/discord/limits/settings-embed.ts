import { escapeMarkdown, type APIEmbed, type APIEmbedField } from "discord.js";
import { DEFAULT_GUILD_SETTINGS } from "../../db/settings.ts";
import type { GuildLimits, GuildSettingsRecord, NsfwPolicy, RoleQuotaRecord } from "../../db/types.ts";
import { LIMIT_LABELS, discordTimestamp } from "../../services/policy/index.ts";
import { formatCount, plural } from "../../services/policy/format-count.ts";
import { describeResultReactions } from "../../services/result-palette.ts";

/** Discord's cap on an embed field's value. */
const FIELD_VALUE_MAX = 1024;

export interface SettingsEmbedOptions {
  /**
   * Whether to list the blocked words (in a spoiler). Members who cannot manage the bot see only how many
   * there are: members are told which word they used, never the list.
   */
  showBlockedWords: boolean;
  /**
   * Whether the model this server uses by default has a safety checker: without one nothing is ever flagged, and
   * the flagged-images policy says so. @default true
   */
  safetyChecker?: boolean;
  /** The bot's own default model, shown while the server uses it. */
  botDefaultModel?: string;
}

const FLAGGED_IMAGES: Readonly<Record<NsfwPolicy, string>> = {
  block: "blocked (the member is told, the image refunded)",
  spoiler: "posted as spoilers",
  "nsfw-channels": "posted in age-restricted channels only (blocked elsewhere)",
};

/**
 * The full settings of a server as `/limits` answers every action: each limit with its value (and its default
 * when changed), role quotas, bot manager roles, allowed channels and blocked words.
 */
export function settingsEmbed(
  settings: GuildSettingsRecord,
  roleQuotas: readonly RoleQuotaRecord[],
  options: SettingsEmbedOptions,
): APIEmbed {
  /** A limit with one value, and its default when the server changed it. */
  const scalar = <K extends keyof GuildLimits>(key: K, show: (value: GuildLimits[K]) => string): APIEmbedField => {
    const value = show(settings[key]);
    const fallback = show(DEFAULT_GUILD_SETTINGS[key]);
    return { name: LIMIT_LABELS[key], value: value === fallback ? value : `${value} (default ${fallback})`, inline: true };
  };
  return {
    title: "Image limits on this server",
    description: lastChange(settings),
    fields: [
      scalar("dailyImagesPerUser", formatCount),
      scalar("maxQueuedPerUser", formatCount),
      scalar("cooldownSeconds", (n) => (n === 0 ? "off" : `${formatCount(n)} s`)),
      scalar("maxSteps", formatCount),
      scalar("maxSide", (n) => `${formatCount(n)} px`),
      scalar("maxImagesPerRequest", formatCount),
      scalar("rerollBy", (who) => (who === "anyone" ? "anyone" : "the requester only")),
      scalar("spoilerOutsideNsfw", (on) => (on ? "on" : "off")),
      scalar("timeZone", (zone) => zone),
      scalar("resultReactions", describeResultReactions),
      scalar("livePreview", (on) => (on ? "on" : "off")),
      scalar("defaultModel", (name) => (name === "" ? `the bot's (${options.botDefaultModel ?? "its startup model"})` : name)),
      withoutSafetyChecker(scalar("nsfwPolicy", (policy) => FLAGGED_IMAGES[policy]), options.safetyChecker === false),
      {
        name: "Role quotas (images per day)",
        value: listValue(roleQuotas.map((q) => `<@&${q.roleId}>: ${q.dailyLimit === null ? "unlimited" : formatCount(q.dailyLimit)}`), "\n")
          ?? "none: every member gets the server's daily limit",
      },
      {
        name: LIMIT_LABELS.managerRoleIds,
        value: listValue(settings.managerRoleIds.map((id) => `<@&${id}>`), ", ") ?? "none: only members with Manage Server",
      },
      {
        name: LIMIT_LABELS.allowedChannelIds,
        value: listValue(settings.allowedChannelIds.map((id) => `<#${id}>`), ", ") ?? "every channel",
      },
      { name: LIMIT_LABELS.blockedWords, value: blockedWordsValue(settings.blockedWords, options.showBlockedWords) },
    ],
  };
}

/** The flagged-images policy, saying plainly when the model has no safety checker (then it never applies). */
function withoutSafetyChecker(field: APIEmbedField, noChecker: boolean): APIEmbedField {
  return noChecker ? { ...field, value: `${field.value}. The model has no safety checker, so no image is checked or flagged.` } : field;
}

function lastChange(settings: GuildSettingsRecord): string {
  if (!settings.updatedAt) return "The defaults: nothing was changed yet.";
  // updatedBy is a user id when a member made the change (scripts and tests write other names).
  const by = settings.updatedBy && /^\d{17,20}$/.test(settings.updatedBy) ? ` by <@${settings.updatedBy}>` : "";
  return `Last changed${by} ${discordTimestamp(settings.updatedAt)}.`;
}

/** The blocked words in one spoiler, so that reading the settings does not mean reading the words. */
function blockedWordsValue(words: readonly string[], show: boolean): string {
  if (words.length === 0) return "none";
  if (!show) return `${plural(words.length, "word or phrase", "words or phrases")} (only bot managers can see them)`;
  // Escaped so that a word cannot end the spoiler early or format the rest.
  const { text, omitted } = fitList(words.map((word) => escapeMarkdown(word)), ", ", FIELD_VALUE_MAX - 4);
  return `||${text}||${moreText(omitted)}`;
}

/** Items joined with `separator`, as many as fit in a field, then "… and N more"; undefined when there are none. */
export function listValue(items: readonly string[], separator: string): string | undefined {
  if (items.length === 0) return undefined;
  const { text, omitted } = fitList(items, separator, FIELD_VALUE_MAX);
  return text + moreText(omitted);
}

/** As many of `items` as fit in `max` characters together with the "… and N more" for those left out. */
function fitList(items: readonly string[], separator: string, max: number): { text: string; omitted: number } {
  let text = "";
  for (const [index, item] of items.entries()) {
    const next = index === 0 ? item : `${text}${separator}${item}`;
    const rest = items.length - index - 1;
    if (next.length + moreText(rest).length > max) return { text, omitted: items.length - index };
    text = next;
  }
  return { text, omitted: 0 };
}

function moreText(omitted: number): string {
  return omitted > 0 ? ` … and ${omitted} more` : "";
}
