import type {
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIApplicationCommandsJSONBody,
} from "discord.js";
import type { BotContext } from "./bot-context.ts";

/** A slash command: the builder's JSON and its handler. Default export of a file in src/commands. */
export interface SlashCommand {
  kind: "slash";
  data: RESTPostAPIApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
}

/** A message context-menu command ("Apps → Generation info"). */
export interface MessageMenuCommand {
  kind: "message-menu";
  data: RESTPostAPIApplicationCommandsJSONBody;
  execute(interaction: MessageContextMenuCommandInteraction, ctx: BotContext): Promise<void>;
}

export type Command = SlashCommand | MessageMenuCommand;

/** The loader's check of a module's default export. */
export function isCommand(value: unknown): value is Command {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Partial<Command>;
  return (
    (c.kind === "slash" || c.kind === "message-menu") &&
    typeof c.data === "object" &&
    c.data !== null &&
    typeof (c.data as { name?: unknown }).name === "string" &&
    typeof c.execute === "function"
  );
}
