/**
 * How queue positions reach Discord. Each message is edited at most once per edit interval anyway; on top of that,
 * the first {@link LIVE_POSITIONS} positions are shown live, and the messages further back share a fixed budget
 * of {@link FAR_EDITS_PER_REFRESH} edits every {@link FAR_REFRESH_INTERVALS} edit intervals, stalest first. So the
 * REST requests a finished job causes do not grow with the queue (docs/discord-rest-budget.md).
 */
export const LIVE_POSITIONS = 10;
export const FAR_EDITS_PER_REFRESH = 10;
export const FAR_REFRESH_INTERVALS = 4;

/**
 * Holds the newest text of every message beyond the live positions and hands out a batch of them per refresh
 * (oldest change first: a Map keeps the order in which keys first became pending).
 */
export class PositionRefresh {
  private readonly far = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly edit: (key: string, content: string) => void,
    private readonly refreshMs: number,
  ) {}

  /** Shows `content` for `key` now (a live position) or at a later refresh (a position further back). */
  show(key: string, position: number, content: string): void {
    if (position <= LIVE_POSITIONS) {
      this.far.delete(key);
      this.edit(key, content);
      return;
    }
    this.far.set(key, content);
    if (!this.timer) {
      this.timer = setInterval(() => this.refresh(), this.refreshMs);
      this.timer.unref?.();
    }
  }

  /** The job left the queue: nothing more to show for it. */
  forget(key: string): void {
    this.far.delete(key);
  }

  close(): void {
    this.far.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private refresh(): void {
    let budget = FAR_EDITS_PER_REFRESH;
    for (const [key, content] of this.far) {
      if (budget-- <= 0) break;
      this.far.delete(key);
      this.edit(key, content);
    }
    if (this.far.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
