/**
 * Why a reaction is added or removed, most urgent first: a finished result's 🔁 (it invites the next request) goes
 * before new jobs' ❌, and taking a finished job's ❌ away comes last.
 */
export type ReactionPriority = "result" | "status" | "cleanup";

const RANK: Record<ReactionPriority, number> = { result: 0, status: 1, cleanup: 2 };

export interface ReactionQueueOptions {
  /** Adds (`add`) or removes the bot's own reaction; throws when Discord refused. */
  send: (op: { channelId: string; messageId: string; emoji: string; add: boolean }) => Promise<void>;
  /** Whether an error is worth retrying (a 5xx or a network error, not a 403 or 404). */
  isRetryable: (error: unknown) => boolean;
  onError: (error: unknown, op: { messageId: string; emoji: string; add: boolean }, retry: boolean) => void;
  /** Waits before the retries of a failed reaction. @default [1000, 5000, 15000] */
  retryDelaysMs?: number[];
}

interface Op {
  channelId: string;
  messageId: string;
  emoji: string;
  add: boolean;
  rank: number;
  seq: number;
  attempts: number;
}

/**
 * The bot's own reactions, fire-and-forget. Discord limits reaction writes per channel (about one per 0.25 s), so
 * each channel has its own queue with one request in flight, served by priority then age. An add and a remove of
 * the same reaction that are both still waiting cancel out (a job that ends before its ❌ was added never gets one).
 */
export class ReactionQueue {
  private readonly waiting = new Map<string, Map<string, Op>>();
  private readonly busy = new Set<string>();
  private readonly retryDelaysMs: number[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: ReactionQueueOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 5000, 15_000];
  }

  /** Reaction requests waiting or in flight. */
  get scheduled(): number {
    let count = this.inFlight + this.timers.size;
    for (const ops of this.waiting.values()) count += ops.size;
    return count;
  }

  add(channelId: string, messageId: string, emoji: string, priority: ReactionPriority): void {
    this.schedule({ channelId, messageId, emoji, add: true, rank: RANK[priority], seq: this.seq++, attempts: 0 });
  }

  remove(channelId: string, messageId: string, emoji: string, priority: ReactionPriority = "cleanup"): void {
    this.schedule({ channelId, messageId, emoji, add: false, rank: RANK[priority], seq: this.seq++, attempts: 0 });
  }

  /** Drops everything waiting and every retry (the bot is stopping). */
  close(): void {
    this.closed = true;
    this.waiting.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(op: Op): void {
    if (this.closed) return;
    const ops = this.waiting.get(op.channelId) ?? new Map<string, Op>();
    this.waiting.set(op.channelId, ops);
    const key = `${op.messageId}:${op.emoji}`;
    const earlier = ops.get(key);
    if (earlier && earlier.add !== op.add) {
      // Still unsent: the message is as it was before the earlier op, which is what the new one asks for.
      ops.delete(key);
    } else if (earlier) {
      earlier.rank = Math.min(earlier.rank, op.rank);
    } else {
      ops.set(key, op);
    }
    this.pump(op.channelId);
  }

  private pump(channelId: string): void {
    if (this.busy.has(channelId) || this.closed) return;
    const ops = this.waiting.get(channelId);
    let next: Op | undefined;
    for (const op of ops?.values() ?? []) if (!next || op.rank < next.rank || (op.rank === next.rank && op.seq < next.seq)) next = op;
    if (!ops || !next) {
      this.waiting.delete(channelId);
      return;
    }
    const op = next;
    ops.delete(`${op.messageId}:${op.emoji}`);
    this.busy.add(channelId);
    this.inFlight += 1;
    void this.options
      .send(op)
      .catch((error: unknown) => this.failed(op, error))
      .finally(() => {
        this.inFlight -= 1;
        this.busy.delete(channelId);
        this.pump(channelId);
      });
  }

  private failed(op: Op, error: unknown): void {
    const delay = this.retryDelaysMs[op.attempts];
    const retry = !this.closed && delay !== undefined && this.options.isRetryable(error);
    this.options.onError(error, op, retry);
    if (!retry) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const ops = this.waiting.get(op.channelId);
      // Something newer about the same reaction was asked meanwhile: it decides.
      if (ops?.has(`${op.messageId}:${op.emoji}`)) return;
      this.schedule({ ...op, attempts: op.attempts + 1 });
    }, delay);
    timer.unref?.();
    this.timers.add(timer);
  }
}
