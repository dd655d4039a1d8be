// At most N sends a minute to each channel (a sliding window). The window is counted in memory while the daemon
// runs (every send tried), and starts from what the channels took in the last minute, as recorded in the queue
// table (AlertQueue.deliveriesSince): a daemon restart does not give a channel a fresh allowance.
export const RATE_WINDOW_MS = 60_000;

export class RateLimit {
  readonly #perWindow: number;
  readonly #sent = new Map<string, number[]>();

  /** `history`: sends before this limiter existed (a previous daemon's), any order; those out of the window are dropped. */
  constructor(perWindow: number, history: readonly { readonly channel: string; readonly at: number }[] = []) {
    this.#perWindow = Math.max(1, perWindow);
    for (const { channel, at } of [...history].sort((a, b) => a.at - b.at)) {
      const times = this.#sent.get(channel) ?? [];
      times.push(at);
      this.#sent.set(channel, times);
    }
  }

  #recent(channel: string, now: number): number[] {
    const times = (this.#sent.get(channel) ?? []).filter((time) => now - time < RATE_WINDOW_MS);
    this.#sent.set(channel, times);
    return times;
  }

  /** True when the channel may send one more now. */
  allows(channel: string, now: number): boolean {
    return this.#recent(channel, now).length < this.#perWindow;
  }

  /** How many more sends the channel may make now. */
  remaining(channel: string, now: number): number {
    return Math.max(0, this.#perWindow - this.#recent(channel, now).length);
  }

  /** Counts a send. */
  note(channel: string, now: number): void {
    this.#recent(channel, now).push(now);
  }

  /** When the channel may send again (now when it may). */
  freeAt(channel: string, now: number): number {
    const times = this.#recent(channel, now);
    return times.length < this.#perWindow ? now : (times[times.length - this.#perWindow] ?? now) + RATE_WINDOW_MS;
  }

  get perWindow(): number {
    return this.#perWindow;
  }
}
