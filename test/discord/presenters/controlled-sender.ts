/** A send function whose calls the test answers one by one: each call waits until the test resolves or rejects it. */
export class ControlledSender<T> {
  readonly calls: Array<{ value: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly send = (value: T): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      this.calls.push({ value, resolve, reject });
      for (const waiter of this.waiters.filter((w) => this.calls.length >= w.count)) waiter.resolve();
      this.waiters = this.waiters.filter((w) => this.calls.length < w.count);
    });

  /** The values sent so far. */
  get sent(): T[] {
    return this.calls.map((c) => c.value);
  }

  /** Resolves once `count` calls were made in all. */
  waitForCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    // Retries wait on unref'd timers: keep the process alive until the call comes.
    const keepAlive = setInterval(() => {}, 1_000);
    return new Promise<void>((resolve) => this.waiters.push({ count, resolve })).finally(() => clearInterval(keepAlive));
  }

  /** Answers call `index` with success and lets the sender's continuation run. */
  async succeed(index: number): Promise<void> {
    this.calls[index]?.resolve();
    await settle();
  }

  async fail(index: number, error: unknown): Promise<void> {
    this.calls[index]?.reject(error);
    await settle();
  }
}

/** Lets every queued promise continuation run (no timers involved). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
