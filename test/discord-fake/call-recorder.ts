import type { RecordedCall } from "./types.ts";

interface Waiter {
  pred: (call: RecordedCall) => boolean;
  resolve: (call: RecordedCall) => void;
}

/** Keeps every answered request in order and lets tests wait for one that matches. */
export class CallRecorder {
  readonly calls: RecordedCall[] = [];
  private readonly waiters = new Set<Waiter>();

  record(call: RecordedCall): void {
    this.calls.push(call);
    for (const waiter of this.waiters) {
      if (waiter.pred(call)) {
        this.waiters.delete(waiter);
        waiter.resolve(call);
      }
    }
  }

  /** Resolves with the first recorded call that matches, past or future; rejects after `timeoutMs`. */
  waitFor(pred: (call: RecordedCall) => boolean, timeoutMs = 5_000): Promise<RecordedCall> {
    const past = this.calls.find(pred);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.calls.map((c) => `${c.method} ${c.route} → ${c.status}`).join("\n  ");
        reject(new Error(`No matching call within ${timeoutMs} ms. Calls so far:\n  ${seen || "(none)"}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
