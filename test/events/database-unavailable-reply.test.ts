import assert from "node:assert/strict";
import { test } from "node:test";
import type { Interaction } from "discord.js";
import type { BotContext } from "../../src/discord/bot-context.ts";
import type { Command } from "../../src/discord/command.ts";
import { DatabaseBusyError, DatabaseUnavailableError } from "../../src/db/index.ts";
import { handleInteraction } from "../../src/events/interaction-create.ts";

/** Runs a /txt2img whose command throws `error`; returns what the member was told and what was logged. */
async function replyTo(error: Error): Promise<{ replies: string[]; logged: unknown[][] }> {
  const replies: string[] = [];
  const slashCommand = {
    commandName: "txt2img",
    user: { id: "u1" },
    deferred: false,
    replied: false,
    isChatInputCommand: () => true,
    reply: async (body: { content: string }) => void replies.push(body.content),
  };
  // A slash command: every other type guard (isAutocomplete, isModalSubmit…) answers false.
  const interaction = new Proxy(slashCommand, {
    get: (target, key) => (key in target ? target[key as keyof typeof target] : typeof key === "string" && key.startsWith("is") ? () => false : undefined),
  }) as unknown as Interaction;
  const command = {
    kind: "slash",
    execute: async () => {
      throw error;
    },
  } as unknown as Command;
  const logged: unknown[][] = [];
  const logger = { error: (...args: unknown[]) => logged.push(["error", ...args]), warn: (...args: unknown[]) => logged.push(["warn", ...args]) };
  await handleInteraction(interaction, new Map([["txt2img", command]]), { logger } as unknown as BotContext);
  return { replies, logged };
}

test("a command whose database is unreachable tells its member to try again, not 'Something went wrong'", async () => {
  const { replies } = await replyTo(new DatabaseUnavailableError({ cause: new Error("connect ECONNREFUSED 127.0.0.1:5432") }));
  assert.deepEqual(replies, ["The bot's database is unreachable right now; nothing was charged. Please try again in a minute."]);
});

test("a command that found every pooled connection busy says the bot is busy, not that the database is unreachable", async () => {
  const { replies, logged } = await replyTo(new DatabaseBusyError({ cause: new Error("timeout exceeded when trying to connect") }));
  assert.deepEqual(replies, ["The bot is very busy right now; try again in a moment — nothing was charged."]);
  // The operator's log tells the two apart too: a warning, not an error with an id.
  assert.deepEqual(
    logged.map(([level, , message]) => [level, message]),
    [["warn", "database busy"]],
  );
});
