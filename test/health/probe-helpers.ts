// Builders for probe tests: resolved probes, targets, free ports, a fake clock, a line feed from a real child.
import { createServer, type AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { ResolvedProbe } from '../../src/config/resolved-stack.js';
import type { ProbeClock } from '../../src/health/probe-clock.js';
import type { ProbeTarget } from '../../src/health/probe-types.js';
import type { LogLine, LogListener } from '../../src/logs/log-types.js';

/** A resolved probe of `kind` with the schema's default timings, overridden by `fields`. */
export function makeProbe(fields: Partial<ResolvedProbe> & Pick<ResolvedProbe, 'kind'>): ResolvedProbe {
  return { http: null, tcp: null, exec: null, log: null, interval: '10s', timeout: '2s', failures: 3, start_timeout: '60s', implicit: false, ...fields };
}

/** A target on `port` with this process's PATH, no logs and no notify pipe unless given. */
export function makeTarget(fields: Partial<ProbeTarget> = {}): ProbeTarget {
  return { service: 'web', instance: 1, port: null, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: '/tmp', subscribeLogs: () => () => undefined, notify: null, ...fields };
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => {
    resolve();
  }));
  return port;
}

/** Splits a child's stdout/stderr into lines for log probes, like the log sink will; returns subscribe. */
export function feedLines(streams: readonly { stream: Readable | null; name: 'out' | 'err' }[]): (listener: LogListener) => () => void {
  const listeners = new Set<LogListener>();
  for (const { stream, name } of streams) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) {
        const line: LogLine = { service: 'web', instance: 1, stream: name, time: Date.now(), text };
        for (const listener of [...listeners]) listener(line);
      }
    });
  }
  return (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
}

/** A fake clock for schedule tests: timers fire only when `advance` moves time past them. */
export class FakeClock implements ProbeClock {
  private time = 1_700_000_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.timers.delete(id);
      this.time = Math.max(this.time, timer.at);
      timer.callback();
      await settle();
    }
    this.time = end;
  }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
