// At most N sends a minute to each channel (a sliding window). In memory: after a daemon restart a channel
// starts with a full allowance, which is at most N extra messages.
export const RATE_WINDOW_MS = 60_000;

export class RateLimit {
  readonly #perWindow: number;
  readonly #sent = new Map<string, number[]>();

  constructor(perWindow: number) {
    this.#perWindow = Math.max(1, perWindow);
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
