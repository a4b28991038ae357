import { pickEmojisFor } from "./grid-picks.ts";
import { DiscordAPIError, HTTPError, RESTJSONErrorCodes, Routes, SnowflakeUtil, type APIMessage, type REST } from "discord.js";
import sharp from "sharp";
import type { GenerationRecord } from "../../db/types.ts";
import type { LatentPreview } from "../../inference/index.ts";
import { fitToByteLimit } from "../../inference/image/fit-upload.ts";
import type { Logger } from "../../logger.ts";
import type { DeliveredResult, JobPresenter } from "../../services/job-presenter.ts";
import {
  CANCEL_EMOJI,
  REROLL_EMOJI,
  cancelledContent,
  failedContent,
  queuedContent,
  resultEmbed,
  runningContent,
} from "./job-messages.ts";
import { FAR_REFRESH_INTERVALS, PositionRefresh } from "./position-refresh.ts";
import { ReactionQueue, type ReactionPriority } from "./reaction-queue.ts";
import { StatusEditor } from "./status-editor.ts";

/** The live preview's file name on a status message. */
const PREVIEW_FILENAME = "preview.png";
/** Interaction tokens live 15 minutes; stop using one a little before, so a slow upload does not straddle the end. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000 - 30_000;
/** How many of a channel's newest messages are searched for a result posted before a restart (Discord's page size). */
const RECENT_MESSAGES_SEARCHED = 100;
/** Discord's default upload limit per file; interactions report the real one. */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

export interface DiscordJobPresenterOptions {
  rest: REST;
  applicationId: () => string;
  logger: Logger;
  /**
   * The reactions to add under a job's result, in order (the server's palette, src/services/result-actions.ts).
   * @default 🔁 only
   */
  resultReactions?: (job: GenerationRecord) => Promise<readonly string[]>;
  /** Whether results of this job are posted as spoilers (server setting, channel not age-restricted). */
  isSpoiler?: (job: GenerationRecord) => Promise<boolean>;
  uploadLimit?: number;
  /** The least time between two edits of one status message. @default 1500 */
  editIntervalMs?: number;
  /** Waits before retrying a failed reaction or status edit in the background. @default [1000, 5000, 15000] */
  retryDelaysMs?: number[];
  now?: () => number;
}

/**
 * Shows jobs in Discord through REST alone, from their database record: while the interaction token lives, the
 * command's reply is edited through the interaction webhook; after that (or for rerolls, which have no
 * interaction) the bot's own messages are edited, and a result whose reply can no longer be edited is posted
 * to the channel with a mention. This works the same for jobs restored after a restart.
 *
 * Only the result is awaited by the queue: reactions and status edits are scheduled here and sent in the
 * background (coalesced, rate-aware, retried), so Discord's backlog never holds up the model.
 */
export class DiscordJobPresenter implements JobPresenter {
  private readonly editor: StatusEditor;
  private readonly reactions: ReactionQueue;
  private readonly positions: PositionRefresh;
  private readonly jobs = new Map<string, GenerationRecord>();
  /** Upload limits the interactions reported (boosted servers allow more); the default after a restart. */
  private readonly uploadLimits = new Map<number, number>();
  /** Interaction tokens Discord has refused (expired early, revoked): never tried again. */
  private readonly deadTokens = new Set<string>();
  private readonly now: () => number;
  /** The newest preview of each running job not yet shown, and the jobs whose status message carries one. */
  private readonly previews = new Map<string, LatentPreview>();
  private readonly previewShown = new Set<string>();

  constructor(private readonly options: DiscordJobPresenterOptions) {
    this.now = options.now ?? Date.now;
    const editIntervalMs = options.editIntervalMs ?? 1500;
    const { logger } = options;
    this.editor = new StatusEditor({
      send: async (key, content) => {
        const job = this.jobs.get(key);
        if (job) await this.editStatus(job, content);
      },
      intervalMs: editIntervalMs,
      isRetryable,
      onError: (error, key, retry) => logger.warn({ err: error, generationId: key, retry }, "could not edit a status message"),
      ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
      now: this.now,
    });
    this.reactions = new ReactionQueue({
      send: async ({ channelId, messageId, emoji, add }) => {
        const route = Routes.channelMessageOwnReaction(channelId, messageId, emoji);
        await (add ? options.rest.put(route) : options.rest.delete(route));
      },
      isRetryable,
      onError: (error, op, retry) => logger.warn({ err: error, messageId: op.messageId, emoji: op.emoji, add: op.add, retry }, "could not change a reaction"),
      ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
    });
    this.positions = new PositionRefresh((key, content) => this.editor.update(key, content), editIntervalMs * FAR_REFRESH_INTERVALS);
  }

  /** REST requests scheduled or in flight (reactions and status edits), for the REST budget's bench and tests. */
  get scheduledRequests(): number {
    return this.editor.scheduled + this.reactions.scheduled;
  }

  showQueued(job: GenerationRecord, position: number, etaMs: number): void {
    this.jobs.set(key(job), job);
    this.positions.show(key(job), position, queuedContent(position, etaMs));
  }

  /** Keeps the newest preview: the next status edit (at most one per edit interval) carries it. */
  showPreview(job: GenerationRecord, preview: LatentPreview): void {
    this.previews.set(key(job), preview);
  }

  showProgress(job: GenerationRecord, step: number, totalSteps: number, etaMs: number): void {
    this.jobs.set(key(job), job);
    this.positions.forget(key(job));
    this.editor.update(key(job), runningContent(step, totalSteps, etaMs));
  }

  /**
   * Adds the bot's own reaction in the background, by priority within the channel's rate limit; returns at once.
   * For the ❌ under a new status message use priority "status" (a finished result's 🔁 goes first).
   */
  addReaction(channelId: string, messageId: string, emoji: string, priority: ReactionPriority): void {
    this.reactions.add(channelId, messageId, emoji, priority);
  }

  /** Takes the bot's own reaction away in the background; returns at once. */
  removeReaction(channelId: string, messageId: string, emoji: string, priority: ReactionPriority = "cleanup"): void {
    this.reactions.remove(channelId, messageId, emoji, priority);
  }

  /** Drops every scheduled edit and reaction (the bot is stopping; what matters is in the database). */
  close(): void {
    this.positions.close();
    this.editor.close();
    this.reactions.close();
  }

  async deliverResult(job: GenerationRecord, result: DeliveredResult): Promise<string> {
    this.positions.forget(key(job));
    await this.editor.settle(key(job));
    this.jobs.delete(key(job));
    const { rest } = this.options;
    const limit = this.uploadLimits.get(job.id) ?? this.options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT;
    this.uploadLimits.delete(job.id);
    const fitted = await fitToByteLimit(result.png, limit);
    const spoiler = result.spoiler === true || ((await this.options.isSpoiler?.(job)) ?? false);
    const base = `reroll-${job.id}-${result.seed}.${fitted.filename.split(".").pop()}`;
    const filename = spoiler ? `SPOILER_${base}` : base;
    const files = [{ name: filename, data: fitted.data, contentType: fitted.contentType }];
    const embed = resultEmbed(job, result, filename);
    const payload = { embeds: [embed], attachments: [{ id: 0, filename }], allowed_mentions: { parse: [] } };
    let messageId: string | undefined;
    if (this.tokenAlive(job)) {
      messageId = await this.viaInteraction(job, async (token) => {
        const message = (await rest.patch(Routes.webhookMessage(this.options.applicationId(), token), {
          body: { ...payload, content: "" },
          files,
          auth: false,
        })) as { id: string };
        return message.id;
      });
    }
    if (messageId === undefined && job.statusMessageId && !job.interactionId) {
      // A reroll's status message is the bot's own: it becomes the result.
      const message = (await rest.patch(Routes.channelMessage(job.channelId, job.statusMessageId), {
        body: { ...payload, content: `<@${job.userId}>`, allowed_mentions: { users: [job.userId] } },
        files,
      })) as { id: string };
      messageId = message.id;
    }
    if (messageId === undefined) {
      // The interaction token has expired: a new message that mentions the requester. Never lost, never twice: a
      // crash between this post and the database's record of it redelivers the result on restart. The nonce makes
      // Discord return the message already sent (for a few minutes; it also covers discord.js retrying after a
      // lost answer); past that, the channel's recent messages are searched for it first.
      messageId = await this.findPostedResult(job.channelId, filename);
      messageId ??= (
        (await rest.post(Routes.channelMessages(job.channelId), {
          body: {
            ...payload,
            content: `<@${job.userId}> your image is ready.`,
            allowed_mentions: { users: [job.userId] },
            nonce: resultNonce(job),
            enforce_nonce: true,
            ...(job.statusMessageId ? { message_reference: { message_id: job.statusMessageId, fail_if_not_exists: false } } : {}),
          },
          files,
        })) as { id: string }
      ).id;
    }
    return messageId;
  }

  /**
   * The bot's own message among the channel's newest that carries this result's file (its name holds the job id
   * and seed), if a previous run posted it. Undefined when none is found or the channel cannot be read.
   */
  private async findPostedResult(channelId: string, filename: string): Promise<string | undefined> {
    try {
      const query = new URLSearchParams({ limit: String(RECENT_MESSAGES_SEARCHED) });
      const messages = (await this.options.rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
      const botId = this.options.applicationId();
      return messages.find((m) => m.author.id === botId && m.attachments.some((a) => a.filename === filename))?.id;
    } catch (error) {
      this.options.logger.warn({ err: error, channelId }, "could not look for an already posted result");
      return undefined;
    }
  }

  /** Schedules the 🔁 under the result (first in its channel's line) and the ❌'s removal; returns at once. */
  async resultRecorded(job: GenerationRecord, messageId: string): Promise<void> {
    // The result's upload replaced the preview on the message.
    this.previews.delete(key(job));
    this.previewShown.delete(key(job));
    const palette = (await this.options.resultReactions?.(job).catch((error: unknown) => {
      this.options.logger.warn({ err: error, generationId: job.id }, "could not read the server's reactions; adding 🔁 only");
      return undefined;
    })) ?? [REROLL_EMOJI];
    for (const emoji of palette) this.reactions.add(job.channelId, messageId, emoji, "result");
    for (const emoji of pickEmojisFor(job.imageCount)) this.reactions.add(job.channelId, messageId, emoji, "result");
    if (job.statusMessageId) this.reactions.remove(job.channelId, job.statusMessageId, CANCEL_EMOJI);
  }

  /** Remembers the per-file upload limit an interaction reported for the job it created. */
  setUploadLimit(generationId: number, bytes: number | undefined): void {
    if (bytes && bytes > 0) this.uploadLimits.set(generationId, bytes);
  }

  /** Schedules the failure notice; returns at once. */
  async showFailed(job: GenerationRecord, message: string): Promise<void> {
    this.finalize(job, failedContent(job, message));
  }

  /** Schedules the cancellation notice; returns at once. */
  async showCancelled(job: GenerationRecord): Promise<void> {
    this.finalize(job, cancelledContent(job));
  }

  /** Whether the job's interaction token can still be used (15 minutes from the interaction's creation). */
  tokenAlive(job: GenerationRecord): boolean {
    if (!job.interactionToken || !job.interactionId || this.deadTokens.has(job.interactionToken)) return false;
    const created = Number(SnowflakeUtil.timestampFrom(job.interactionId));
    return this.now() - created < TOKEN_LIFETIME_MS;
  }

  /** Runs a call with the interaction token; undefined when Discord says the token is no longer valid. */
  private async viaInteraction<T>(job: GenerationRecord, call: (token: string) => Promise<T>): Promise<T | undefined> {
    const token = job.interactionToken!;
    try {
      return await call(token);
    } catch (error) {
      if (error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.InvalidWebhookToken || error.status === 401)) {
        this.deadTokens.add(token);
        return undefined;
      }
      throw error;
    }
  }

  /** Schedules the job's last status (after the edit in flight, never overwritten) and the ❌'s removal. */
  private finalize(job: GenerationRecord, content: string): void {
    this.positions.forget(key(job));
    this.jobs.delete(key(job));
    this.editor.finish(key(job), async () => {
      const edited = await this.editStatus(job, content);
      if (!edited && !this.tokenAlive(job)) {
        await this.options.rest.post(Routes.channelMessages(job.channelId), {
          body: { content, allowed_mentions: { users: [job.userId] } },
        });
      }
    });
    if (job.statusMessageId) this.reactions.remove(job.channelId, job.statusMessageId, CANCEL_EMOJI);
  }

  /** Edits the job's status message; false when there is no way to (token expired on an interaction reply). */
  private async editStatus(job: GenerationRecord, content: string): Promise<boolean> {
    const { body, files } = await this.statusBody(job, content);
    if (this.tokenAlive(job)) {
      const edited = await this.viaInteraction(job, async (token) => {
        await this.options.rest.patch(Routes.webhookMessage(this.options.applicationId(), token), { body, files, auth: false });
        return true;
      });
      if (edited) return true;
    }
    if (job.statusMessageId && !job.interactionId) {
      await this.options.rest.patch(Routes.channelMessage(job.channelId, job.statusMessageId), { body, files });
      return true;
    }
    return false;
  }

  /**
   * A status edit's body: with the job's newest preview attached while it runs (×4, nearest neighbour: 64×64 latents
   * become a 256×256 PNG of a few kB), and the preview taken off again once the job has ended without a result.
   */
  private async statusBody(job: GenerationRecord, content: string): Promise<{ body: Record<string, unknown>; files: { name: string; data: Buffer }[] }> {
    const body: Record<string, unknown> = { content, allowed_mentions: { parse: [] } };
    const preview = this.previews.get(key(job));
    if (preview && (job.status === "running" || job.status === "queued")) {
      this.previews.delete(key(job));
      this.previewShown.add(key(job));
      const data = await sharp(Buffer.from(preview.rgb), { raw: { width: preview.width, height: preview.height, channels: 3 } })
        .resize(preview.width * 4, preview.height * 4, { kernel: "nearest" })
        .png()
        .toBuffer();
      body.attachments = [{ id: 0, filename: PREVIEW_FILENAME }];
      return { body, files: [{ name: PREVIEW_FILENAME, data }] };
    }
    if (this.previewShown.has(key(job)) && job.status !== "running" && job.status !== "queued") {
      this.previewShown.delete(key(job));
      this.previews.delete(key(job));
      body.attachments = [];
    }
    return { body, files: [] };
  }
}

function key(job: GenerationRecord): string {
  return String(job.id);
}

/** One nonce per job (Discord allows 25 characters): every post of its result is the same message. */
function resultNonce(job: GenerationRecord): string {
  return `reroll-result-${job.id}`;
}

/** Discord's own refusals (4xx: gone, forbidden) stay refused; 5xx after discord.js' retries, and network errors, may pass later. */
function isRetryable(error: unknown): boolean {
  if (error instanceof DiscordAPIError) return error.status >= 500;
  return !(error instanceof HTTPError) || error.status >= 500;
}
