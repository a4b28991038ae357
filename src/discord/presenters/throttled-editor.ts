/**
 * Coalesces edits of one message: the newest content wins, and at most one edit goes out per interval (Discord has
 * no published per-route edit limit; sparse edits keep the bot clear of 429s). A final state is sent
 * after `settle`, which also waits for the edit in flight.
 */
export class ThrottledEditor<T> {
  private readonly entries = new Map<string, { last: number; pending?: T; timer?: NodeJS.Timeout; chain: Promise<unknown> }>();

  constructor(
    private readonly send: (key: string, content: T) => Promise<unknown>,
    private readonly intervalMs = 1500,
    private readonly now: () => number = Date.now,
  ) {}

  /** Schedules `content` for `key`; sends at once if the interval has passed, else once it has. */
  update(key: string, content: T): void {
    const entry = this.entries.get(key) ?? { last: -Infinity, chain: Promise.resolve() };
    this.entries.set(key, entry);
    entry.pending = content;
    if (entry.timer) return;
    const wait = entry.last + this.intervalMs - this.now();
    if (wait <= 0) this.sendPending(key);
    else {
      entry.timer = setTimeout(() => this.sendPending(key), wait);
      entry.timer.unref?.();
    }
  }

  /**
   * Drops anything pending for `key` and waits for the edit in flight, so that a final message (the result, an
   * error) sent next cannot be overwritten by a late progress edit.
   */
  async settle(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(key);
    await entry.chain;
  }

  private sendPending(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || entry.pending === undefined) return;
    const content = entry.pending;
    entry.pending = undefined;
    entry.timer = undefined;
    entry.last = this.now();
    // Edits of one message go out in order; a failed edit is the sender's to log, never a crash.
    entry.chain = entry.chain.then(() => this.send(key, content)).catch(() => undefined);
  }
}
