// The options of `/limits set`: one per scalar limit. One table builds the command and reads the interaction,
// so an option cannot be registered without being read (or read under another name).

import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from "discord.js";
import { DEFAULT_GUILD_SETTINGS } from "../../db/settings.ts";
import type { GuildLimits } from "../../db/types.ts";
import {
  COOLDOWN_SECONDS_RANGE,
  DAILY_IMAGES_RANGE,
  LIMIT_LABELS,
  MAX_QUEUED_RANGE,
  MAX_SIDE_RANGE,
  IMAGE_COUNT_RANGE,
  MAX_STEPS_RANGE,
  NSFW_POLICY_VALUES,
  REROLL_BY_VALUES,
  describeRange,
  type IntegerRange,
} from "../../services/policy/index.ts";

type IntegerKey = "dailyImagesPerUser" | "maxQueuedPerUser" | "cooldownSeconds" | "maxSteps" | "maxSide" | "maxImagesPerRequest";

/** One `/limits set` option and the limit it changes. */
export type SetOption =
  | { name: string; key: IntegerKey; type: "integer"; range: IntegerRange }
  | { name: string; key: "rerollBy" | "nsfwPolicy"; type: "choice"; choices: readonly string[] }
  | { name: string; key: "defaultModel"; type: "model" }
  | { name: string; key: "spoilerOutsideNsfw" | "livePreview"; type: "boolean" }
  | { name: string; key: "resultReactions"; type: "reactions" }
  | { name: string; key: "timeZone"; type: "string" };

export const SET_OPTIONS: readonly SetOption[] = [
  { name: "daily_images", key: "dailyImagesPerUser", type: "integer", range: DAILY_IMAGES_RANGE },
  { name: "max_queued", key: "maxQueuedPerUser", type: "integer", range: MAX_QUEUED_RANGE },
  { name: "cooldown_seconds", key: "cooldownSeconds", type: "integer", range: COOLDOWN_SECONDS_RANGE },
  { name: "max_steps", key: "maxSteps", type: "integer", range: MAX_STEPS_RANGE },
  { name: "max_side", key: "maxSide", type: "integer", range: MAX_SIDE_RANGE },
  { name: "max_images", key: "maxImagesPerRequest", type: "integer", range: IMAGE_COUNT_RANGE },
  { name: "reroll_by", key: "rerollBy", type: "choice", choices: REROLL_BY_VALUES },
  { name: "spoiler_outside_nsfw", key: "spoilerOutsideNsfw", type: "boolean" },
  { name: "time_zone", key: "timeZone", type: "string" },
  { name: "flagged_images", key: "nsfwPolicy", type: "choice", choices: NSFW_POLICY_VALUES },
  { name: "default_model", key: "defaultModel", type: "model" },
  { name: "result_reactions", key: "resultReactions", type: "reactions" },
  { name: "live_preview", key: "livePreview", type: "boolean" },
];

/** What an admin gives `default_model` to go back to the bot's own default (no model name starts with "-"). */
export const BOT_DEFAULT_MODEL = "-";

/** Adds every limit as an optional option of the `set` subcommand (Discord's client then checks integer ranges too). */
export function addSetOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  for (const option of SET_OPTIONS) {
    const description = describeOption(option);
    switch (option.type) {
      case "integer":
        sub.addIntegerOption((o) =>
          o.setName(option.name).setDescription(description).setMinValue(option.range.min).setMaxValue(option.range.max),
        );
        break;
      case "choice":
        sub.addStringOption((o) =>
          o.setName(option.name).setDescription(description).addChoices(...option.choices.map((c) => ({ name: c, value: c }))),
        );
        break;
      case "boolean":
        sub.addBooleanOption((o) => o.setName(option.name).setDescription(description));
        break;
      case "string":
        sub.addStringOption((o) => o.setName(option.name).setDescription(description).setMaxLength(64));
        break;
      case "model":
        sub.addStringOption((o) => o.setName(option.name).setDescription(description).setMaxLength(64).setAutocomplete(true));
        break;
      case "reactions":
        sub.addStringOption((o) => o.setName(option.name).setDescription(description).setMaxLength(100));
        break;
    }
  }
  return sub;
}

/** The limits the member gave values for (the others are left out, so they keep their value). */
export function readSetOptions(options: ChatInputCommandInteraction["options"]): Partial<GuildLimits> {
  const patch: Record<string, unknown> = {};
  for (const option of SET_OPTIONS) {
    const value =
      option.type === "integer"
        ? options.getInteger(option.name)
        : option.type === "boolean"
          ? options.getBoolean(option.name)
          : options.getString(option.name);
    if (value !== null) patch[option.key] = option.type === "model" && value === BOT_DEFAULT_MODEL ? "" : value;
  }
  return patch as Partial<GuildLimits>;
}

/**
 * validateLimitPatch names limits by their key ("Max steps (maxSteps) must be…"); an admin typed the option
 * name, so say that instead ("Max steps (`max_steps`) must be…").
 */
export function inOptionTerms(message: string): string {
  return SET_OPTIONS.reduce((text, option) => text.replaceAll(`(${option.key})`, `(\`${option.name}\`)`), message);
}

function describeOption(option: SetOption): string {
  const label = LIMIT_LABELS[option.key];
  const fallback = String(DEFAULT_GUILD_SETTINGS[option.key]);
  switch (option.type) {
    case "integer":
      return `${label}: ${describeRange(option.range)} (default ${fallback})`;
    case "choice":
      return `${label} (default ${fallback})`;
    case "boolean":
      return `${label} (default ${fallback === "true" ? "on" : "off"})`;
    case "string":
      return `${label}: IANA name such as Europe/Paris (default ${fallback})`;
    case "model":
      return `${label}: an installed model, or ${BOT_DEFAULT_MODEL} for the bot's own (default the bot's)`;
    case "reactions":
      // At most 100 characters (Discord): "any of" keeps it there.
      return `${label}: all, none, or any of reroll variation stronger weaker upscale (default all)`;
  }
}
