// Times how long services stay down, from their recorded state events: `service_down` once an instance has been
// down (backoff, exited, failed, or running but not ready) longer than `down_after`, `service_recovered` when every
// instance of it is up again. Stopping on request is not down. Which instances are down is kept per instance, so
// one replica coming back does not resolve the service while another is still down; a daemon restart starts over
// with the service adopted (below), so the new daemon's own view of every instance decides.
import type { NewEvent } from '../state/event-store.js';

export interface DownWatchOptions {
  readonly downAfterMs: number;
  /** Called when a service has been down too long, and when it is up again after that. */
  readonly report: (kind: 'down' | 'recovered', service: string, details: { readonly since: number; readonly phase: string; readonly reason: string; readonly ready: boolean | null }) => void;
  readonly now?: () => number;
}

const DOWN_PHASES = new Set(['backoff', 'exited', 'failed']);
// Phases that end watching: stopped on purpose, finished, or waiting on a dependency (which alerts itself).
const NEUTRAL_PHASES = new Set(['stopped', 'stopping', 'completed', 'waiting']);

interface InstanceWatch {
  since: number;
  phase: string;
  reason: string;
  timer: NodeJS.Timeout | null;
}

export class ServiceDownWatch {
  readonly #options: DownWatchOptions;
  readonly #down = new Map<string, InstanceWatch>();
  /** Services reported down and not yet recovered. */
  readonly #reported = new Set<string>();
  /** Services a previous daemon left reported down: recovered only after staying up for `downAfterMs`. */
  readonly #adopted = new Set<string>();
  readonly #stable = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(options: DownWatchOptions) {
    this.#options = options;
  }

  /** Feeds one recorded event (`state` events, and the end of a crash loop). */
  observe(event: NewEvent): void {
    if (this.#stopped || event.service === null || event.service === undefined) return;
    const service = event.service;
    // While it crash-loops its state events are not recorded: the loop itself says it is not up.
    if (event.type === 'crash_loop') this.#unstable(service);
    // ...and the state it ends in (running) is not recorded either, as nothing changed since the last state seen:
    // crash_loop_resolved is the event that says the instance has been running steadily.
    if (event.type !== 'state' && event.type !== 'crash_loop_resolved') return;
    const key = `${service}\u0000${String(event.instance ?? 1)}`;
    const p = event.type === 'state' ? (event.payload ?? {}) : { phase: 'running' };
    const phase = typeof p.phase === 'string' ? p.phase : '';
    const ready = typeof p.ready === 'boolean' ? p.ready : null;
    const down = DOWN_PHASES.has(phase) || (phase === 'running' && ready === false);
    if (down) {
      this.#unstable(service);
      const watch = this.#down.get(key);
      if (watch !== undefined) {
        watch.phase = phase;
        watch.reason = typeof p.reason === 'string' ? p.reason : '';
        return;
      }
      const fresh: InstanceWatch = { since: event.time, phase, reason: typeof p.reason === 'string' ? p.reason : '', timer: null };
      const wait = Math.max(0, event.time + this.#options.downAfterMs - (this.#options.now ?? Date.now)());
      fresh.timer = setTimeout(() => {
        fresh.timer = null;
        if (this.#stopped || this.#reported.has(service)) return;
        this.#reported.add(service);
        this.#options.report('down', service, { since: fresh.since, phase: fresh.phase, reason: fresh.reason, ready });
      }, wait);
      fresh.timer.unref();
      this.#down.set(key, fresh);
      return;
    }
    if (phase === 'starting') return;
    const watch = this.#down.get(key);
    if (watch !== undefined) {
      if (watch.timer !== null) clearTimeout(watch.timer);
      this.#down.delete(key);
    }
    const stillDown = [...this.#down.keys()].some((k) => k.startsWith(`${service}\u0000`));
    if (stillDown || !this.#reported.has(service) || !(phase === 'running' || NEUTRAL_PHASES.has(phase))) return;
    const details = { since: watch?.since ?? event.time, phase, reason: typeof p.reason === 'string' ? p.reason : '', ready };
    if (!this.#adopted.has(service)) {
      this.#reported.delete(service);
      this.#options.report('recovered', service, details);
      return;
    }
    if (this.#stable.has(service)) return;
    const timer = setTimeout(() => {
      this.#stable.delete(service);
      if (this.#stopped) return;
      this.#adopted.delete(service);
      this.#reported.delete(service);
      this.#options.report('recovered', service, details);
    }, this.#options.downAfterMs);
    timer.unref();
    this.#stable.set(service, timer);
  }

  #unstable(service: string): void {
    const timer = this.#stable.get(service);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#stable.delete(service);
  }

  /** Marks a service as already reported down (an incident left open by the previous daemon). */
  adopt(service: string): void {
    this.#reported.add(service);
    this.#adopted.add(service);
  }

  stop(): void {
    this.#stopped = true;
    for (const watch of this.#down.values()) if (watch.timer !== null) clearTimeout(watch.timer);
    for (const timer of this.#stable.values()) clearTimeout(timer);
    this.#down.clear();
    this.#stable.clear();
  }
}
