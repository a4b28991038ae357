import type { Db } from "../db/client.ts";
import { findByResultMessageId, setStatusMessage, StatusMessageNotRecordedError } from "../db/generations.ts";
import type { GenerationRecord } from "../db/types.ts";
import { matchStatusMessage, type StatusMessageRef } from "./status-message-match.ts";

/** A reserved job whose status message is being made: a cancel in that window sets `cancelled`. */
export interface EnqueueWindow {
  cancelled: boolean;
  generation: GenerationRecord;
}

/**
 * The unfinished jobs one GenerationService knows, and how a member's ❌ or `/cancel` finds one of them: the records
 * of queued and running jobs, the reserved jobs whose status message is being made, and the wait for resume() to
 * have put a restart's unfinished jobs back (so a ❌ that comes while the bot starts finds them).
 */
export class ActiveJobs {
  /** Queued and running jobs (the in-process queue's runner keeps one whose post is being retried). */
  private readonly records = new Map<number, GenerationRecord>();
  private readonly enqueuing = new Map<number, EnqueueWindow>();
  /** Settles once restore() has put the unfinished jobs back in `records` (see whenResumed). */
  private resuming: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  get(id: number): GenerationRecord | undefined {
    return this.records.get(id);
  }

  set(record: GenerationRecord): void {
    this.records.set(record.id, record);
  }

  /** The job is over (or gone to another process): forget its record. */
  forget(id: number): void {
    this.records.delete(id);
  }

  /** Starts the window in which `generation`'s status message is made; end it with closeWindow. */
  openWindow(generation: GenerationRecord): EnqueueWindow {
    const window = { cancelled: false, generation };
    this.enqueuing.set(generation.id, window);
    return window;
  }

  closeWindow(id: number): void {
    this.enqueuing.delete(id);
  }

  /** The job's window if its status message is being made (it is not in the queue yet). */
  window(id: number): EnqueueWindow | undefined {
    return this.enqueuing.get(id);
  }

  /** The job's record if this service knows it as unfinished (queued, running, or its status message being made). */
  known(id: number): GenerationRecord | undefined {
    return this.records.get(id) ?? this.enqueuing.get(id)?.generation;
  }

  /**
   * Puts a restart's unfinished jobs back (GenerationService.resume) and returns them; the lookups below wait for it.
   */
  async restore(unfinished: Promise<GenerationRecord[]>): Promise<GenerationRecord[]> {
    // whenResumed() waits on the same promise; this continuation was registered first and restores every job
    // synchronously, so a waiter sees them all.
    const records = await (this.resuming = unfinished);
    for (const record of records) this.records.set(record.id, record);
    return records;
  }

  /**
   * The unfinished job whose status message this is (for the ❌ reaction), also when its id was never stored (see
   * matchStatusMessage). Waits for resume() first, so a ❌ that arrives while the bot starts finds restored jobs.
   */
  async byStatusMessage(message: StatusMessageRef): Promise<GenerationRecord | undefined> {
    await this.whenResumed();
    const active = this.all().filter((record) => record.guildId === message.guildId);
    const match = await matchStatusMessage(active, message, (resultMessageId) => findByResultMessageId(this.db, resultMessageId));
    if (!match || match.linked || !this.records.has(match.job.id)) return match?.job;
    // Remember the link, so the job's next messages (cancelled, progress) edit this message.
    const { id } = match.job;
    const linked = (await this.storeLink(id, message.id)) ?? { ...match.job, statusMessageId: message.id };
    if (this.records.has(id)) this.records.set(id, linked);
    return linked;
  }

  /**
   * Stores the link; undefined when the job is gone or the database did not take it (busy or unreachable): the job
   * was found all the same, and the link kept in memory lets its ❌ and status edits go on, as submit does.
   */
  private async storeLink(id: number, statusMessageId: string): Promise<GenerationRecord | undefined> {
    try {
      return (await setStatusMessage(this.db, id, statusMessageId)) ?? undefined;
    } catch (error) {
      if (error instanceof StatusMessageNotRecordedError) return undefined;
      throw error;
    }
  }

  /**
   * Whether some unfinished job of this server has no stored status message id: only then is it worth reading a
   * message for what it tells (a REST call for every ❌ on any message would be waste).
   */
  async hasUnlinked(guildId: string): Promise<boolean> {
    await this.whenResumed();
    return this.all().some((record) => record.guildId === guildId && record.statusMessageId === null);
  }

  /** The user's newest unfinished job in this server, for `/cancel` without arguments. */
  latestOf(userId: string, guildId: string): GenerationRecord | undefined {
    let latest: GenerationRecord | undefined;
    for (const record of this.all()) {
      if (record.userId === userId && record.guildId === guildId && (!latest || record.id > latest.id)) latest = record;
    }
    return latest;
  }

  /** Every unfinished job: queued or running, and those whose status message is being made. */
  private all(): GenerationRecord[] {
    return [...this.records.values(), ...[...this.enqueuing.values()].map((window) => window.generation)];
  }

  /** Resolves once restore() (if it was called) has put the unfinished jobs back; never rejects. */
  private async whenResumed(): Promise<void> {
    await this.resuming.catch(() => undefined);
  }
}
