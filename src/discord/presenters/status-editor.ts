/** What the editor does with an error: log it; `retry` says whether the same content will be tried again. */
export type EditErrorHandler = (error: unknown, key: string, retry: boolean) => void;

export interface StatusEditorOptions {
  /** Sends one message's content; throws when Discord refused it. */
  send: (key: string, content: string) => Promise<void>;
  /** The least time between two edits of one message. @default 1500 */
  intervalMs?: number;
  /** Whether an error is worth retrying (a 5xx or a network error, not a 403 or 404). */
  isRetryable: (error: unknown) => boolean;
  onError: EditErrorHandler;
  /** Waits before the retries of a failed edit (when nothing newer replaced it). @default [1000, 5000, 15000] */
  retryDelaysMs?: number[];
  now?: () => number;
}

interface Entry {
  /** The newest content not yet sent; a final task replaces it and ends the entry. */
  pending?: string;
  final?: () => Promise<void>;
  /** The content last sent (or being sent): an update with the same text needs no edit. */
  shown?: string;
  inFlight: Promise<void> | undefined;
  lastAt: number;
  timer?: NodeJS.Timeout;
  attempts: number;
}

/**
 * Coalesces edits per message: the latest content wins, never more than one edit of a message is in flight, and
 * edits of one message are at least `intervalMs` apart. Nothing here is awaited by the caller: `update` and
 * `finish` return at once, and failures are retried in the background. `settle` is for the one caller that must
 * wait (the result replaces the status message: no late edit may overwrite it).
 */
export class StatusEditor {
  private readonly entries = new Map<string, Entry>();
  private readonly intervalMs: number;
  private readonly retryDelaysMs: number[];
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: StatusEditorOptions) {
    this.intervalMs = options.intervalMs ?? 1500;
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 5000, 15_000];
    this.now = options.now ?? Date.now;
  }

  /** Edits and final tasks scheduled or in flight. */
  get scheduled(): number {
    let count = 0;
    for (const entry of this.entries.values()) count += (entry.inFlight ? 1 : 0) + (entry.pending !== undefined || entry.final ? 1 : 0);
    return count;
  }

  /** Schedules `content` for message `key` unless it is already what the message shows or will show. */
  update(key: string, content: string): void {
    if (this.closed) return;
    const entry = this.entry(key);
    if (entry.final) return;
    if (entry.pending === undefined && entry.shown === content) return;
    entry.pending = content;
    this.pump(key, entry);
  }

  /** The message's last word (a failure, a cancellation): runs after the edit in flight; later updates are dropped. */
  finish(key: string, task: () => Promise<void>): void {
    if (this.closed) return;
    const entry = this.entry(key);
    entry.pending = undefined;
    entry.final = task;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    this.pump(key, entry, true);
  }

  /** Drops what is pending for `key` and waits for the edit in flight; the key is then forgotten. */
  async settle(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(key);
    await entry.inFlight;
  }

  /** Stops all timers and drops everything pending (the bot is stopping). */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) if (entry.timer) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { inFlight: undefined, lastAt: -Infinity, attempts: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Sends what is pending when nothing is in flight and the interval has passed; else arranges to come back. */
  private pump(key: string, entry: Entry, immediate = false): void {
    if (entry.inFlight || entry.timer || this.entries.get(key) !== entry) return;
    const wait = immediate || entry.final ? 0 : entry.lastAt + this.intervalMs - this.now();
    if (wait > 0) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        this.pump(key, entry);
      }, wait);
      entry.timer.unref?.();
      return;
    }
    const final = entry.final;
    const content = entry.pending;
    if (!final && content === undefined) return;
    entry.pending = undefined;
    entry.final = undefined;
    if (content !== undefined) entry.shown = content;
    entry.lastAt = this.now();
    entry.inFlight = (final ? final() : this.options.send(key, content ?? ""))
      .then(
        () => {
          entry.attempts = 0;
          if (final) this.entries.delete(key);
        },
        (error: unknown) => this.failed(key, entry, error, final, content),
      )
      .finally(() => {
        entry.inFlight = undefined;
        this.pump(key, entry);
      });
  }

  private failed(key: string, entry: Entry, error: unknown, final: (() => Promise<void>) | undefined, content: string | undefined): void {
    const newer = entry.final !== undefined || entry.pending !== undefined;
    const delay = this.retryDelaysMs[entry.attempts];
    const retry = !newer && !this.closed && delay !== undefined && this.options.isRetryable(error);
    this.options.onError(error, key, retry);
    if (!retry) {
      entry.attempts = 0;
      if (final) this.entries.delete(key);
      return;
    }
    entry.attempts += 1;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.final === undefined && entry.pending === undefined) {
        if (final) entry.final = final;
        else entry.pending = content;
      }
      this.pump(key, entry, true);
    }, delay);
    entry.timer.unref?.();
  }
}
