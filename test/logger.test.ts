import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { DiscordAPIError, HTTPError } from "discord.js";
import { createLogger } from "../src/logger.ts";

/** A logger at trace level whose every output line is kept. */
function capturingLogger(secrets: readonly (string | undefined)[] = []) {
  const lines: string[] = [];
  const logger = createLogger("trace", { secrets, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, output: () => lines.join("") };
}

// Shaped like Discord's: an interaction token is base64 of "interaction:…"; a bot token is id.timestamp.hmac.
const interactionToken = `aW50ZXJhY3Rpb246${randomBytes(48).toString("base64url")}`;
const botToken = `${Buffer.from("1234567890123456789").toString("base64url")}.${randomBytes(4).toString("base64url")}.${randomBytes(27).toString("base64url")}`;
const hfToken = `hf_${randomBytes(20).toString("hex")}`;
const api = "https://discord.com/api/v10";
const webhook = `${api}/webhooks/1100000000000000001/${interactionToken}/messages/@original`;

function assertClean(output: string, ...secrets: string[]): void {
  for (const secret of secrets) assert.ok(!output.includes(secret), `the output holds a secret: ${output}`);
}

describe("createLogger keeps tokens out of every line", () => {
  test("a DiscordAPIError logged whole: its URL keeps the route but not the token; its request body is dropped", () => {
    const { logger, output } = capturingLogger();
    const error = new DiscordAPIError({ code: 50027, message: "Invalid Webhook Token" }, 50027, 401, "PATCH", webhook, {
      body: { content: "a private prompt" },
      files: [{ name: "result.png", data: Buffer.from("png bytes") }],
    });
    logger.warn({ err: error, generationId: 7 }, "could not edit a status message");
    const line = JSON.parse(output()) as { err: { url: string; code: number; status: number; requestBody?: unknown; message: string } };
    assertClean(output(), interactionToken, "a private prompt");
    assert.equal(line.err.url, `${api}/webhooks/1100000000000000001/[redacted]/messages/@original`);
    assert.equal(line.err.code, 50027);
    assert.equal(line.err.status, 401);
    assert.equal(line.err.message, "Invalid Webhook Token");
    assert.equal(line.err.requestBody, "[redacted]");
  });

  test("an HTTPError on an interaction callback, logged as the first argument and nested in another error's cause", () => {
    const { logger, output } = capturingLogger();
    const callback = `${api}/interactions/1100000000000000002/${interactionToken}/callback`;
    const error = new HTTPError(503, "Service Unavailable", "POST", callback, { body: { type: 5 }, files: undefined });
    logger.error(error);
    logger.error({ err: new Error("command failed", { cause: error }) }, "command failed");
    assertClean(output(), interactionToken);
    assert.match(output(), /interactions\/1100000000000000002\/\[redacted\]\/callback/);
  });

  test("tokens inside messages, nested objects, arrays and a child logger's bindings", () => {
    const { logger, output } = capturingLogger([botToken, hfToken]);
    logger.trace(`PATCH ${webhook} answered 401`);
    logger.debug({ request: { attempts: [{ url: webhook }], headers: { Authorization: `Bot ${botToken}` } } }, "retrying");
    logger.child({ interaction: { id: "1", token: interactionToken } }).info("handled");
    logger.info({ payload: `{"token":"${interactionToken}"}` }, "gateway dispatch");
    logger.info({ config: { discordToken: botToken, hfToken } }, "config");
    logger.warn(`hub answered 401 for ${hfToken} (Bearer ${hfToken})`);
    logger.error(new Error(`login failed with ${botToken}`));
    assertClean(output(), interactionToken, botToken, hfToken);
    assert.equal(output().trim().split("\n").length, 7, "every line was written");
  });

  test("a bot token or Hugging Face token nobody registered is still recognized by its shape", () => {
    const { logger, output } = capturingLogger();
    logger.info(`token ${botToken} and ${hfToken}`);
    assertClean(output(), botToken, hfToken);
    assert.match(output(), /token \[redacted\] and \[redacted\]/);
  });

  test("what is not a secret is left alone", () => {
    const { logger, output } = capturingLogger([botToken]);
    logger.info({ url: `${api}/channels/1100000000000000003/messages`, prompt: "a cat, 4k" }, "posted");
    const line = JSON.parse(output()) as { url: string; prompt: string; msg: string };
    assert.equal(line.url, `${api}/channels/1100000000000000003/messages`);
    assert.equal(line.prompt, "a cat, 4k");
    assert.equal(line.msg, "posted");
  });
});
