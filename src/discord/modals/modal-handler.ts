import type { ModalSubmitInteraction } from "discord.js";
import type { BotContext } from "../bot-context.ts";

/**
 * Answers the submissions of one kind of modal: those whose custom id starts with `prefix` and a colon (the rest
 * names what the modal is about, e.g. `remix:42`). Modals are stateless: everything needed is in the id or the database.
 */
export interface ModalHandler {
  prefix: string;
  handle(interaction: ModalSubmitInteraction<"cached" | "raw">, argument: string, ctx: BotContext): Promise<void>;
}

/** `prefix:argument`, within Discord's 100 characters. */
export function modalCustomId(prefix: string, argument: string): string {
  const id = `${prefix}:${argument}`;
  if (id.length > 100) throw new RangeError(`A modal custom id is at most 100 characters; got ${id.length}`);
  return id;
}
