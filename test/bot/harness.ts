import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { startBot, type Bot, type StartBotOptions } from "../../src/app.ts";
import { updateGuildSettings, type GuildLimits } from "../../src/db/index.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { DiscordFake, type DiscordFakeOptions, type FakeChannel, type FakeCommandOption, type FakeGuild, type FakeInteraction, type RecordedCall } from "../discord-fake/index.ts";
import type { APIEmbed, APIUser } from "discord-api-types/v10";
import { syntheticModel } from "../helpers/synthetic-models.ts";
import { GenerationCancelledError, type GenerationRequest as InferenceRequest, type WorkerGenerationResult } from "../../src/inference/index.ts";
import type { InferenceBackend } from "../../src/services/generation-service.ts";

/** Discord option types used by the tests. */
export const OPTION = { string: 3, integer: 4, number: 10, attachment: 11 } as const;

export interface Harness {
  fake: DiscordFake;
  bot: Bot;
  config: Config;
  guild: FakeGuild;
  channel: FakeChannel;
  users: APIUser[];
  /** Changes the test server's limits directly in the database, as `/limits set` would. */
  setLimits(patch: Partial<GuildLimits>): Promise<void>;
  /** Stops the bot (not the fake) and starts a new one on the same database and stores. */
  restart(options?: Partial<StartBotOptions>): Promise<Bot>;
  stop(): Promise<void>;
}

/**
 * The whole bot against the Discord API fake: a real discord.js client, real SQLite, the real inference worker on
 * the synthesized tiny model. Each harness has its own temp folder and database.
 */
export async function startHarness(
  options: Partial<StartBotOptions> & { env?: Record<string, string>; limits?: Partial<GuildLimits>; fake?: DiscordFakeOptions } = {},
): Promise<Harness> {
  const fake = await DiscordFake.start({ heartbeatIntervalMs: 2000, ...options.fake });
  const dir = await mkdtemp(join(tmpdir(), "reroll-bot-"));
  const guild = fake.addGuild({ name: "test server" });
  const channel = fake.addChannel(guild.id, { name: "art" });
  const users = ["alice", "bob", "carol"].map((username) => {
    const user = fake.addUser({ username });
    fake.addMember(guild.id, user.id);
    return user;
  });
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_CLIENT_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    DATABASE_URL: `file:${join(dir, "reroll.db")}`,
    INPUT_STORE_DIR: join(dir, "inputs"),
    RESULT_STORE_DIR: join(dir, "results"),
    EXTRA_ATTACHMENT_HOSTS: "127.0.0.1",
    EXECUTION_PROVIDER: "cpu",
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const modelDir = await syntheticModel("tiny");
  const launch = (extra: Partial<StartBotOptions> = {}) =>
    startBot({ config, logger: createLogger(process.env.REROLL_TEST_LOG ?? "silent"), modelDir, editIntervalMs: 50, ...options, ...extra });
  const harness: Harness = {
    fake,
    bot: await launch(),
    config,
    guild,
    channel,
    users,
    async setLimits(patch) {
      await updateGuildSettings(harness.bot.ctx.db, guild.id, patch, "test");
    },
    async restart(extra) {
      await harness.bot.stop();
      harness.bot = await launch(extra);
      return harness.bot;
    },
    async stop() {
      await harness.bot.stop();
      await fake.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Tests send many commands quickly: no cooldown unless a test asks for one.
  // Live previews are off unless a test turns them on: their status edits carry a file, which helpers that wait for
  // "the edit with a file" (the result) would take for the result.
  await harness.setLimits({ cooldownSeconds: 0, maxQueuedPerUser: 10, livePreview: false, ...options.limits });
  return harness;
}

/** A small JPEG to send as an attachment. */
export async function testImage(width = 96, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toBuffer();
}

type CommandOption = { name: string; type: number; value: unknown };

/** The defaults with `extra` options replacing those of the same name. */
function withOptions(defaults: CommandOption[], extra: CommandOption[] = []): CommandOption[] {
  const names = new Set(extra.map((o) => o.name));
  return [...defaults.filter((o) => !names.has(o.name)), ...extra];
}

/** Sends `/img2img` with an uploaded image and the given options (`extra` replaces defaults of the same name). */
export function sendImg2Img(
  h: Harness,
  opts: { userId?: string; prompt?: string; image?: Buffer; extra?: CommandOption[]; attachmentUrl?: string },
): Promise<FakeInteraction> {
  return (async () => {
    const attachment = h.fake.addAttachment(opts.image ?? (await testImage()), {
      filename: "input.jpg",
      contentType: "image/jpeg",
      ...(opts.attachmentUrl ? { url: opts.attachmentUrl } : {}),
    });
    return h.fake.sendSlashCommand({
      guildId: h.guild.id,
      channelId: h.channel.id,
      userId: opts.userId ?? h.users[0]!.id,
      name: "img2img",
      options: withOptions(
        [
          { name: "image", type: OPTION.attachment, value: attachment.id },
          { name: "prompt", type: OPTION.string, value: opts.prompt ?? "a red square, oil painting" },
          { name: "steps", type: OPTION.integer, value: 4 },
        ],
        opts.extra,
      ),
      attachments: [attachment],
    });
  })();
}

export function sendTxt2Img(h: Harness, opts: { userId?: string; prompt?: string; extra?: CommandOption[]; channelId?: string } = {}): FakeInteraction {
  return h.fake.sendSlashCommand({
    guildId: h.guild.id,
    channelId: opts.channelId ?? h.channel.id,
    userId: opts.userId ?? h.users[0]!.id,
    name: "txt2img",
    options: withOptions(
      [
        { name: "prompt", type: OPTION.string, value: opts.prompt ?? "a lighthouse" },
        { name: "steps", type: OPTION.integer, value: 3 },
        { name: "width", type: OPTION.integer, value: 256 },
        { name: "height", type: OPTION.integer, value: 256 },
      ],
      opts.extra,
    ),
  });
}

/** The multipart files of a recorded call (empty for JSON bodies). */
export function filesOf(call: RecordedCall): Array<{ filename: string; data: Buffer }> {
  const body = call.body as { files?: Array<{ filename: string; data: Buffer }> } | undefined;
  return body?.files ?? [];
}

/** The JSON payload of a call, whether it was sent as JSON or as multipart payload_json. */
export function payloadOf(call: RecordedCall): Record<string, unknown> {
  const body = call.body as { payload_json?: unknown } | undefined;
  return ((body && typeof body === "object" && "payload_json" in body ? body.payload_json : body) ?? {}) as Record<string, unknown>;
}

/**
 * Waits for the edit of an interaction's reply that carries a file (the result), and for the bot's 🔁 under it,
 * which it adds once the result is recorded: from then on the result can be rerolled.
 */
export async function waitForInteractionResult(h: Harness, interaction: FakeInteraction, timeoutMs = 30_000): Promise<RecordedCall> {
  const result = await h.fake.waitForCall(
    (c) => c.method === "PATCH" && c.route.includes(`/webhooks/${interaction.applicationId}/${interaction.token}/messages/@original`) && filesOf(c).length > 0,
    timeoutMs,
  );
  await waitForRerollReaction(h, h.fake.interaction(interaction.id).reply!.id, timeoutMs);
  return result;
}

/** Waits until the bot has put its 🔁 under a message. */
export function waitForRerollReaction(h: Harness, messageId: string, timeoutMs = 30_000): Promise<RecordedCall> {
  return h.fake.waitForCall((c) => c.method === "PUT" && c.route.endsWith(`/messages/${messageId}/reactions/🔁/@me`), timeoutMs);
}

/** A command's answer as its user sees it. */
export interface CommandAnswer {
  content: string;
  embeds: APIEmbed[];
  /** Whether only its user sees it (the first response or the message carried the EPHEMERAL flag). */
  ephemeral: boolean;
}

/**
 * Sends a slash command (in the test channel, as the first test user unless told otherwise) and waits for its
 * answer: an immediate reply, the edit of a deferred reply, or a follow-up, whichever comes first.
 */
export async function runCommand(
  h: Harness,
  input: { name: string; options?: FakeCommandOption[]; userId?: string; channelId?: string; permissions?: bigint },
  timeoutMs = 10_000,
): Promise<CommandAnswer> {
  const interaction = h.fake.sendSlashCommand({
    guildId: h.guild.id,
    channelId: input.channelId ?? h.channel.id,
    userId: input.userId ?? h.users[0]!.id,
    name: input.name,
    ...(input.options ? { options: input.options } : {}),
    ...(input.permissions !== undefined ? { permissions: input.permissions } : {}),
  });
  const webhook = `/webhooks/${interaction.applicationId}/${interaction.token}`;
  const call = await h.fake.waitForCall(
    (c) =>
      (c.method === "POST" && c.route === `/interactions/${interaction.id}/${interaction.token}/callback` && payloadOf(c).type === 4) ||
      (c.method === "PATCH" && c.route === `${webhook}/messages/@original`) ||
      (c.method === "POST" && c.route === webhook),
    timeoutMs,
  );
  const payload = payloadOf(call);
  const message = (call.route.endsWith("/callback") ? payload.data : payload) as { content?: string; embeds?: APIEmbed[]; flags?: number };
  return {
    content: message.content ?? "",
    embeds: message.embeds ?? [],
    ephemeral: h.fake.interaction(interaction.id).ephemeral || ((message.flags ?? 0) & 64) !== 0,
  };
}

/**
 * The options of a subcommand, inside its group when the path has two words: `subcommandOptions("channels add",
 * [...])` is what Discord sends for `/limits channels add …`.
 */
export function subcommandOptions(path: string, options: FakeCommandOption[] = []): FakeCommandOption[] {
  const [first, second] = path.split(" ");
  if (second === undefined) return [{ name: first!, type: 1, options }];
  return [{ name: first!, type: 2, options: [{ name: second, type: 1, options }] }];
}

// ── Robustness helpers: a stand-in model, command outcomes, sending into any channel ──────────────────

/**
 * A stand-in for the model that answers at once with a small grey PNG of the requested size, so tests about the
 * bot's behaviour around the model (quotas, restarts, faults) run in milliseconds. Pass it as startHarness's
 * `inference` option; it survives `restart()` (the harness hands the same object to the new bot).
 */
export class FakeInference implements InferenceBackend {
  /** The prompt of every run started, in order. */
  readonly prompts: string[] = [];
  /** Runs whose prompt is in here throw a plain Error, as a model fault would. */
  readonly failing = new Set<string>();
  /** Runs whose prompt is in here never end (until cancelled): a job still running when the bot is killed. */
  readonly hanging = new Set<string>();

  async generate(
    request: InferenceRequest,
    hooks: { onProgress?: (e: { step: number; totalSteps: number }) => void; signal?: AbortSignal },
  ): Promise<WorkerGenerationResult> {
    // An upscale's own options are its base's (the result it enlarges).
    const options = request.mode === "upscale" ? request.options.base.options : request.options;
    this.prompts.push(options.prompt);
    if (this.failing.has(options.prompt)) throw new Error(`injected model fault for "${options.prompt}"`);
    if (this.hanging.has(options.prompt)) {
      // Cancelled before the run reached the model: the abort event has already fired.
      if (hooks.signal?.aborted) throw new GenerationCancelledError();
      await new Promise<never>((_, reject) => hooks.signal?.addEventListener("abort", () => reject(new GenerationCancelledError()), { once: true }));
    }
    const width = options.width ?? 64;
    const height = options.height ?? 64;
    // No progress events: a test that injects faults on a reply's edits can then tell which edit meets them.
    const steps = options.steps ?? 1;
    const first = typeof options.seed === "bigint" ? options.seed : BigInt(options.seed ?? 0);
    // A grid's image i has seed + i and its own shade of green (image 0 is plain grey), so picks can be told apart.
    const images = await Promise.all(
      Array.from({ length: options.count ?? 1 }, async (_, i) => {
        const seed = (first + BigInt(i)) % 2n ** 64n;
        const png = await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128 + 30 * i, b: 128 } } }).png().toBuffer();
        return { png, seed, parameters: { prompt: options.prompt, steps, sampler: "DDIM", cfgScale: options.guidanceScale ?? 7.5, seed: String(seed), width, height } };
      }),
    );
    return {
      ...images[0]!,
      width,
      height,
      images,
      timings: { totalMs: 1, sessionRunMs: 1, denoiseSteps: steps, unetRuns: steps, msPerStep: 1 },
      warnings: [],
    };
  }
}

/** What became of a generation command: queued as job `queued`, or refused with a private message. */
export type CommandOutcome = { queued: number } | { refused: string; ephemeral: boolean };

/**
 * Waits until a `/txt2img` or `/img2img` was either queued (its reply became "Queued as #id") or refused (a
 * follow-up, which the bot sends privately after removing the public "thinking…" reply). Only calls the fake
 * answered with success count, so injected faults are not mistaken for answers.
 */
export async function waitForOutcome(h: Harness, interaction: FakeInteraction, timeoutMs = 30_000): Promise<CommandOutcome> {
  const webhook = `/webhooks/${interaction.applicationId}/${interaction.token}`;
  const call = await h.fake.waitForCall(
    (c) =>
      c.status < 300 &&
      ((c.method === "PATCH" && c.route === `${webhook}/messages/@original` && /Queued as #\d+/.test(String(payloadOf(c).content))) ||
        (c.method === "POST" && c.route === webhook)),
    timeoutMs,
  );
  const payload = payloadOf(call);
  if (call.method === "PATCH") return { queued: Number(/Queued as #(\d+)/.exec(String(payload.content))![1]) };
  return { refused: String(payload.content ?? ""), ephemeral: (Number(payload.flags ?? 0) & 64) !== 0 };
}

/** The refusal text of an outcome; fails the test (with what happened instead) when the command was queued. */
export function refusalOf(outcome: CommandOutcome): string {
  if ("queued" in outcome) throw new Error(`expected a refusal, but the command was queued as #${outcome.queued}`);
  return outcome.refused;
}

/** Sends `/txt2img` like {@link sendTxt2Img}, in any channel. */
export function sendTxt2ImgIn(h: Harness, channelId: string, opts: { userId?: string; prompt?: string; extra?: CommandOption[] } = {}): FakeInteraction {
  return sendTxt2Img(h, { ...opts, channelId });
}

/** How many generations the database holds for the test server (optionally one member's). */
export function generationCount(h: Harness, userId?: string): Promise<number> {
  return h.bot.ctx.db.prisma.generation.count({ where: { guildId: h.guild.id, ...(userId ? { userId } : {}) } });
}

/** Polls `condition` until it holds; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
