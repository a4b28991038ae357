import type { AutocompleteInteraction } from "discord.js";
import type { CatalogModel } from "../services/choose-model.ts";
import type { BotContext } from "./bot-context.ts";
import { BOT_DEFAULT_MODEL } from "./limits/set-options.ts";

/** Discord's caps on autocomplete answers: 25 choices, names and values of 1 to 100 characters. */
const MAX_CHOICES = 25;
const MAX_TEXT = 100;

/** The options that name a model: `/img2img` and `/txt2img`'s `model`, `/limits set default_model`. */
const MODEL_OPTIONS = new Set(["model", "default_model"]);

/**
 * Answers autocomplete for model options with the installed models (in the distributed mode, those the fleet's
 * workers published) whose name contains what the member typed (the bot's own default first); `default_model` also
 * offers "-", the bot's own default. Other options get no choices.
 */
export async function answerModelAutocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const focused = interaction.options.getFocused(true);
  if (!MODEL_OPTIONS.has(focused.name)) {
    await interaction.respond([]);
    return;
  }
  const typed = String(focused.value).trim().toLowerCase();
  const models = await ctx.models.list();
  const choices = models
    .filter((model) => model.name.length <= MAX_TEXT && model.name.toLowerCase().includes(typed))
    .map((model) => ({ name: choiceName(model, model === models[0]), value: model.name }));
  if (focused.name === "default_model") choices.unshift({ name: `${BOT_DEFAULT_MODEL} (the bot's own default: ${models[0]?.name ?? "its startup model"})`.slice(0, MAX_TEXT), value: BOT_DEFAULT_MODEL });
  await interaction.respond(choices.slice(0, MAX_CHOICES));
}

function choiceName(model: CatalogModel, isBotDefault: boolean): string {
  const commit = model.commit ? ` @ ${model.commit.slice(0, 7)}` : "";
  return `${model.name}${commit}${isBotDefault ? " (bot default)" : ""}`.slice(0, MAX_TEXT);
}
