import { randomUUID } from "node:crypto";
import type { Interaction, ModalSubmitInteraction, RepliableInteraction } from "discord.js";
import type { BotContext } from "../discord/bot-context.ts";
import { DatabaseBusyError, DatabaseUnavailableError } from "../db/index.ts";
import type { Command } from "../discord/command.ts";
import { answerModelAutocomplete } from "../discord/model-autocomplete.ts";
import { findModalHandler } from "../discord/modals/index.ts";
import { replyPrivately } from "../discord/reply.ts";
import { UserFacingError } from "../discord/user-facing-error.ts";
import { InvalidOptionError } from "../inference/index.ts";

/**
 * Routes commands to their handlers, inside the one error boundary: a UserFacingError is shown to its user as it
 * is; anything else becomes "Something went wrong (id …)" with the stack in the log. Never throws.
 */
export async function handleInteraction(interaction: Interaction, commands: ReadonlyMap<string, Command>, ctx: BotContext): Promise<void> {
  if (interaction.isAutocomplete()) {
    // Nothing to show on failure: an autocomplete answer is a list of choices, and the member may type the name.
    await answerModelAutocomplete(interaction, ctx).catch((error: unknown) => ctx.logger.warn({ err: error, command: interaction.commandName }, "autocomplete failed"));
    return;
  }
  if (interaction.isModalSubmit()) {
    const found = interaction.inGuild() ? findModalHandler(interaction.customId) : undefined;
    if (found) await withErrorBoundary(interaction, ctx, found.handler.prefix, () => found.handler.handle(interaction as ModalSubmitInteraction<"cached" | "raw">, found.argument, ctx));
    return;
  }
  if (!interaction.isChatInputCommand() && !interaction.isMessageContextMenuCommand()) return;
  const command = commands.get(interaction.commandName);
  if (!command) {
    ctx.logger.warn({ command: interaction.commandName }, "unknown command (deploy the commands again?)");
    await replyPrivately(interaction, "This command is not known to this version of the bot.").catch(() => undefined);
    return;
  }
  await withErrorBoundary(interaction, ctx, interaction.commandName, async () => {
    if (command.kind === "slash" && interaction.isChatInputCommand()) await command.execute(interaction, ctx);
    else if (command.kind === "message-menu" && interaction.isMessageContextMenuCommand()) await command.execute(interaction, ctx);
  });
}

/** Runs `work`; a failure is shown to the member privately (see handleInteraction). Never throws. */
async function withErrorBoundary(interaction: RepliableInteraction, ctx: BotContext, command: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    let message: string;
    if (error instanceof UserFacingError || error instanceof InvalidOptionError) message = error.message;
    else if (error instanceof DatabaseUnavailableError) {
      // PostgreSQL down, restarting or too busy for this process: nothing was written, so the member may simply try again.
      ctx.logger.warn({ err: error, command }, error instanceof DatabaseBusyError ? "database busy" : "database unreachable");
      message = error.message;
    } else {
      const errorId = randomUUID().slice(0, 8);
      ctx.logger.error({ err: error, errorId, command, userId: interaction.user.id }, "command failed");
      message = `Something went wrong (id \`${errorId}\`). Please try again.`;
    }
    await replyPrivately(interaction, message).catch((replyError: unknown) => ctx.logger.warn({ err: replyError }, "could not report an error to the user"));
  }
}
