/**
 * A busy server's burst, shared by the burst e2e test (which asserts counts) and bench/burst.ts (which reports
 * times): while one job runs, `members × perMember` `/txt2img` arrive within a few milliseconds; then the running
 * job ends and the waiting ones drain on a stand-in model with a fixed duration per job. The Discord fake runs in
 * its own process, so its answers are not delayed by the bot's event loop.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { startBot, type Bot } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { updateGuildSettings } from "../../src/db/index.ts";
import { GenerationCancelledError, type GenerationRequest as InferenceRequest, type WorkerGenerationResult } from "../../src/inference/index.ts";
import { createLogger } from "../../src/logger.ts";
import type { InferenceBackend } from "../../src/services/generation-service.ts";
import type { CallSummary } from "../discord-fake/remote/protocol.ts";
import { RemoteDiscordFake } from "../discord-fake/remote/remote-fake.ts";
import type { FakeInteraction } from "../discord-fake/index.ts";

/** The prompt of the job that runs while the burst arrives; it ends when the scenario releases it. */
const BLOCKER_PROMPT = "the running job";

/**
 * A model stand-in that takes exactly `durationMs` per job (a timer, so it costs the event loop nothing) and
 * answers with a small grey PNG. The blocker job runs until {@link release}.
 */
export class FixedDurationInference implements InferenceBackend {
  /** Jobs started, in order. */
  started = 0;
  private releaseBlocker: () => void = () => {};
  private readonly blocker = new Promise<void>((resolve) => (this.releaseBlocker = resolve));
  private png: Promise<Buffer> | undefined;

  constructor(readonly durationMs: number) {}

  release(): void {
    this.releaseBlocker();
  }

  async generate(request: InferenceRequest, hooks: { signal?: AbortSignal }): Promise<WorkerGenerationResult> {
    // An upscale's own options are its base's (the result it enlarges).
    const options = request.mode === "upscale" ? request.options.base.options : request.options;
    this.started += 1;
    const wait = options.prompt === BLOCKER_PROMPT ? this.blocker : new Promise<void>((resolve) => setTimeout(resolve, this.durationMs));
    await Promise.race([
      wait,
      new Promise<never>((_, reject) => hooks.signal?.addEventListener("abort", () => reject(new GenerationCancelledError()), { once: true })),
    ]);
    this.png ??= sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    const seed = typeof options.seed === "bigint" ? options.seed : BigInt(options.seed ?? 0);
    const steps = options.steps ?? 1;
    const parameters = { prompt: options.prompt, steps, sampler: "DDIM", cfgScale: options.guidanceScale ?? 7.5, seed: String(seed), width: 64, height: 64 };
    return {
      png: await this.png,
      seed,
      width: 64,
      height: 64,
      parameters,
      images: [{ png: await this.png, seed, parameters }],
      timings: { totalMs: this.durationMs, sessionRunMs: this.durationMs, denoiseSteps: steps, unetRuns: steps, msPerStep: this.durationMs / steps },
      warnings: [],
    };
  }
}

export interface BurstOptions {
  members: number;
  perMember: number;
  /** The stand-in model's time per job. */
  modelMs: number;
  /** Hold every reaction request unanswered (Discord slow on them) while the queue drains. @default false */
  stallReactions?: boolean;
  /** How long to wait for the whole drain. @default 120 s */
  timeoutMs?: number;
  /**
   * The fake's deadline for acknowledging a command. Discord's 3 s by default (the bench); tests that assert counts
   * on a loaded machine may allow more, since a missed deadline there is about the machine, not the bot.
   */
  ackDeadlineMs?: number;
}

export interface BurstResult {
  jobs: number;
  /** Dispatch → defer callback, per command. */
  ackMs: number[];
  /** Dispatch → "Queued as #n" edit, per command. */
  queuedMs: number[];
  /** From the running job's end to the last result posted. */
  drainMs: number;
  /** Results posted per command (1 each when nothing was lost or doubled). */
  resultsPerCommand: number[];
  /** REST requests from the burst to the last result, plus those the bot still has scheduled then. */
  restRequests: number;
  /** 429s the fake answered. */
  rateLimited: number;
  /** 401/403/429 answers in the last 10 minutes, as Discord counts them for its IP ban. */
  invalidRequests: number;
}

const isRest = (c: CallSummary) => !c.route.startsWith("/cdn") && !c.route.startsWith("/gateway");

/** Runs the burst once, on a fresh fake, database and bot; everything is torn down before it returns. */
export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const fake = await RemoteDiscordFake.start({ heartbeatIntervalMs: 5_000, ...(options.ackDeadlineMs ? { ackDeadlineMs: options.ackDeadlineMs } : {}) });
  const dir = await mkdtemp(join(tmpdir(), "reroll-burst-"));
  let bot: Bot | undefined;
  try {
    const guild = await fake.addGuild({ name: "busy server" });
    const channel = await fake.addChannel(guild.id, "art");
    const users = [];
    for (let i = 0; i <= options.members; i++) {
      const user = await fake.addUser({ username: `member${i}` });
      await fake.addMember(guild.id, user.id);
      users.push(user);
    }
    const [blockerUser, ...members] = users;
    if (!blockerUser) throw new Error("no users");
    const inference = new FixedDurationInference(options.modelMs);
    const config = loadConfig({
      DISCORD_TOKEN: fake.token,
      DISCORD_CLIENT_ID: fake.applicationId,
      DISCORD_API_URL: fake.apiUrl,
      DATABASE_URL: `file:${join(dir, "reroll.db")}`,
      INPUT_STORE_DIR: join(dir, "inputs"),
      RESULT_STORE_DIR: join(dir, "results"),
      EXECUTION_PROVIDER: "cpu",
      LOG_LEVEL: "silent",
    });
    // The production edit interval: the budget is measured as the bot really runs.
    bot = await startBot({ config, logger: createLogger(process.env.REROLL_TEST_LOG ?? "silent"), modelDir: "", inference });
    await updateGuildSettings(
      bot.ctx.db,
      guild.id,
      { cooldownSeconds: 0, maxQueuedPerUser: options.perMember + 1, dailyImagesPerUser: options.perMember + 10 },
      "burst",
    );
    const command = (userId: string, prompt: string) => ({
      guildId: guild.id,
      channelId: channel.id,
      userId,
      name: "txt2img",
      options: [
        { name: "prompt", type: 3, value: prompt },
        { name: "steps", type: 4, value: 4 },
        { name: "width", type: 4, value: 256 },
        { name: "height", type: 4, value: 256 },
      ],
    });
    const [{ interaction: blocker } = failNoCommand()] = await fake.sendSlashCommands([command(blockerUser.id, BLOCKER_PROMPT)]);
    await fake.waitForCall((c) => c.route.includes(`/${blocker.token}/messages/@original`) && /Queued as/.test(c.content ?? ""), 10_000);
    await until(() => inference.started === 1, "the running job to start");
    if (options.stallReactions) await fake.stall({ route: "/reactions/" });

    const inputs = [];
    for (let round = 0; round < options.perMember; round++) {
      for (const member of members) inputs.push(command(member.id, `burst ${member.id} ${round}`));
    }
    const callsBefore = (await fake.sync()).length;
    const sent = await fake.sendSlashCommands(inputs);
    const webhookOf = (i: FakeInteraction) => `/webhooks/${i.applicationId}/${i.token}`;
    const queuedAt = new Map<string, number>();
    await until(async () => {
      for (const call of await fake.sync()) {
        const match = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/.exec(call.route);
        if (match?.[1] && call.method === "PATCH" && call.status < 300 && /Queued as/.test(call.content ?? "") && !queuedAt.has(match[1])) {
          queuedAt.set(match[1], call.at);
        }
      }
      return sent.every(({ interaction }) => queuedAt.has(interaction.token));
    }, () => `every command to be queued (${queuedAt.size} of ${sent.length}; ${describeFailures(fake.calls)})`, options.timeoutMs ?? 120_000);

    const releasedAt = Date.now();
    inference.release();
    const isResult = (c: CallSummary) => c.status < 300 && c.filenames.length > 0;
    const jobs = sent.length;
    await until(
      async () => (await fake.sync()).filter(isResult).length >= jobs + 1,
      () => `every result to be posted (${fake.calls.filter(isResult).length} of ${jobs + 1}; ${describeFailures(fake.calls)})`,
      options.timeoutMs ?? 120_000,
    );
    const calls = fake.calls;
    const lastResultAt = Math.max(...calls.filter(isResult).map((c) => c.at));
    const restRequests = calls.slice(callsBefore).filter(isRest).length + bot.ctx.presenter.scheduledRequests;
    if (options.stallReactions) await fake.releaseStalls();
    const stats = await fake.stats();
    const callbackAt = new Map<string, number>();
    for (const call of calls) {
      const match = /^\/interactions\/\d+\/([^/]+)\/callback$/.exec(call.route);
      if (match?.[1] && !callbackAt.has(match[1])) callbackAt.set(match[1], call.at);
    }
    return {
      jobs,
      ackMs: sent.map(({ interaction, sentAt }) => (callbackAt.get(interaction.token) ?? Infinity) - sentAt),
      queuedMs: sent.map(({ interaction, sentAt }) => (queuedAt.get(interaction.token) ?? Infinity) - sentAt),
      drainMs: lastResultAt - releasedAt,
      resultsPerCommand: sent.map(({ interaction }) => calls.filter((c) => c.route.startsWith(webhookOf(interaction)) && isResult(c)).length),
      restRequests,
      rateLimited: stats.rateLimited,
      invalidRequests: stats.invalidRequests,
    };
  } finally {
    await bot?.stop();
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function failNoCommand(): never {
  throw new Error("the fake dispatched no command");
}

/** Failed answers by status and route shape, for a timeout's message. */
function describeFailures(calls: CallSummary[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) {
    if (call.status < 400) continue;
    const key = `${call.status} ${call.method} ${call.route.replace(/\d{15,}/g, ":id").replace(/\/(webhooks\/:id|interactions\/:id)\/[^/]+/, "/$1/:token")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size ? [...counts].map(([key, n]) => `${n}× ${key}`).join(", ") : "no failed answers";
}

async function until(condition: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
