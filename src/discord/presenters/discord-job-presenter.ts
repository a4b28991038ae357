import { DiscordAPIError, RESTJSONErrorCodes, Routes, SnowflakeUtil, type REST } from "discord.js";
import type { GenerationRecord } from "../../db/types.ts";
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
import { ThrottledEditor } from "./throttled-editor.ts";

/** Interaction tokens live 15 minutes; stop using one a little before, so a slow upload does not straddle the end. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000 - 30_000;
/** Discord's default upload limit per file; interactions report the real one. */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

export interface DiscordJobPresenterOptions {
  rest: REST;
  applicationId: () => string;
  logger: Logger;
  /** Whether results of this job are posted as spoilers (server setting, channel not age-restricted). */
  isSpoiler?: (job: GenerationRecord) => Promise<boolean>;
  uploadLimit?: number;
  editIntervalMs?: number;
  now?: () => number;
}

/**
 * Shows jobs in Discord through REST alone, from their database record: while the interaction token lives, the
 * command's reply is edited through the interaction webhook; after that (or for rerolls, which have no
 * interaction) the bot's own messages are edited, and a result whose reply can no longer be edited is posted
 * to the channel with a mention. This works the same for jobs restored after a restart.
 */
export class DiscordJobPresenter implements JobPresenter {
  private readonly editor: ThrottledEditor<string>;
  private readonly jobs = new Map<string, GenerationRecord>();
  /** Upload limits the interactions reported (boosted servers allow more); the default after a restart. */
  private readonly uploadLimits = new Map<number, number>();
  /** Interaction tokens Discord has refused (expired early, revoked): never tried again. */
  private readonly deadTokens = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: DiscordJobPresenterOptions) {
    this.now = options.now ?? Date.now;
    this.editor = new ThrottledEditor<string>(
      (key, content) => this.editStatus(this.jobs.get(key)!, content),
      options.editIntervalMs ?? 1500,
      this.now,
    );
  }

  showQueued(job: GenerationRecord, position: number, etaMs: number): void {
    this.schedule(job, queuedContent(position, etaMs));
  }

  showProgress(job: GenerationRecord, step: number, totalSteps: number, etaMs: number): void {
    this.schedule(job, runningContent(step, totalSteps, etaMs));
  }

  async deliverResult(job: GenerationRecord, result: DeliveredResult): Promise<string> {
    await this.editor.settle(key(job));
    this.jobs.delete(key(job));
    const { rest } = this.options;
    const limit = this.uploadLimits.get(job.id) ?? this.options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT;
    this.uploadLimits.delete(job.id);
    const fitted = await fitToByteLimit(result.png, limit);
    const spoiler = (await this.options.isSpoiler?.(job)) ?? false;
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
      // The interaction token has expired: a new message that mentions the requester. Never lost.
      const message = (await rest.post(Routes.channelMessages(job.channelId), {
        body: {
          ...payload,
          content: `<@${job.userId}> your image is ready.`,
          allowed_mentions: { users: [job.userId] },
          ...(job.statusMessageId ? { message_reference: { message_id: job.statusMessageId, fail_if_not_exists: false } } : {}),
        },
        files,
      })) as { id: string };
      messageId = message.id;
    }
    return messageId;
  }

  async resultRecorded(job: GenerationRecord, messageId: string): Promise<void> {
    await this.react(job.channelId, messageId, REROLL_EMOJI);
    if (job.statusMessageId) await this.unreact(job.channelId, job.statusMessageId, CANCEL_EMOJI);
  }

  /** Remembers the per-file upload limit an interaction reported for the job it created. */
  setUploadLimit(generationId: number, bytes: number | undefined): void {
    if (bytes && bytes > 0) this.uploadLimits.set(generationId, bytes);
  }

  async showFailed(job: GenerationRecord, message: string): Promise<void> {
    await this.finalize(job, failedContent(job, message));
  }

  async showCancelled(job: GenerationRecord): Promise<void> {
    await this.finalize(job, cancelledContent(job));
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

  private schedule(job: GenerationRecord, content: string): void {
    this.jobs.set(key(job), job);
    this.editor.update(key(job), content);
  }

  private async finalize(job: GenerationRecord, content: string): Promise<void> {
    await this.editor.settle(key(job));
    this.jobs.delete(key(job));
    const edited = await this.editStatus(job, content);
    if (!edited && !this.tokenAlive(job)) {
      await this.options.rest.post(Routes.channelMessages(job.channelId), {
        body: { content, allowed_mentions: { users: [job.userId] } },
      });
    }
    if (job.statusMessageId) await this.unreact(job.channelId, job.statusMessageId, CANCEL_EMOJI);
  }

  /** Edits the job's status message; false when there is no way to (token expired on an interaction reply). */
  private async editStatus(job: GenerationRecord, content: string): Promise<boolean> {
    try {
      if (this.tokenAlive(job)) {
        const edited = await this.viaInteraction(job, async (token) => {
          await this.options.rest.patch(Routes.webhookMessage(this.options.applicationId(), token), {
            body: { content, allowed_mentions: { parse: [] } },
            auth: false,
          });
          return true;
        });
        if (edited) return true;
      }
      if (job.statusMessageId && !job.interactionId) {
        await this.options.rest.patch(Routes.channelMessage(job.channelId, job.statusMessageId), {
          body: { content, allowed_mentions: { parse: [] } },
        });
        return true;
      }
    } catch (error) {
      this.options.logger.warn({ err: error, generationId: job.id }, "could not edit a status message");
      return true;
    }
    return false;
  }

  private async react(channelId: string, messageId: string, emoji: string): Promise<void> {
    try {
      await this.options.rest.put(Routes.channelMessageOwnReaction(channelId, messageId, emoji));
    } catch (error) {
      this.options.logger.warn({ err: error, messageId }, "could not add a reaction");
    }
  }

  private async unreact(channelId: string, messageId: string, emoji: string): Promise<void> {
    try {
      await this.options.rest.delete(Routes.channelMessageOwnReaction(channelId, messageId, emoji));
    } catch {
      // The reaction may already be gone; nothing to do.
    }
  }
}

function key(job: GenerationRecord): string {
  return String(job.id);
}
