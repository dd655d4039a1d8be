// A worker's side of the access log: each finished request becomes one JSON line, gathered by route and sent to the
// primary every 200 ms or 500 lines. Formatting here spreads the JSON work over the workers; the primary only
// appends. Nothing waits: when the primary falls behind (the IPC channel backs up), lines beyond a bound are
// dropped and counted rather than held without limit.
import type { AccessEntry } from './access-record.js';

export interface AccessLogBatchOptions {
  /** Sends one batch; `done` is called once it is written to the channel. Returns false when the channel is backed up. */
  readonly send: (lines: Record<string, string>, done: () => void) => boolean;
  readonly flushMs?: number;
  readonly maxLines?: number;
  /** Lines held while the channel is backed up; more are dropped. */
  readonly maxHeldLines?: number;
  /** Told how many lines were dropped, once the channel takes lines again. */
  readonly onDrop?: (dropped: number) => void;
}

export interface AccessLogBatch {
  add(entry: AccessEntry): void;
  /** Sends what is gathered now; resolves once it is written to the channel. */
  flush(): Promise<void>;
}

/** Characters JSON.stringify would escape in a string (quote, backslash, controls, lone surrogates: any surrogate is
 * sent the slow way, which is rare enough). */
// eslint-disable-next-line no-control-regex -- exactly the characters JSON escapes
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(value: string): string {
  return needsEscape.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** `toISOString()` of the current second, without its milliseconds (`2025-01-02T03:04:05.`): one Date a second. */
let isoSecond = Number.NaN;
let isoPrefix = '';

function isoTime(time: number): string {
  if (!Number.isInteger(time)) return new Date(time).toISOString();
  const second = Math.floor(time / 1000);
  if (second !== isoSecond) {
    const iso = new Date(time).toISOString();
    if (iso.length !== 24) return iso; // years beyond 0000–9999: not worth caching
    isoSecond = second;
    isoPrefix = iso.slice(0, 20);
  }
  const ms = time - second * 1000;
  return `${isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${String(ms)}Z`;
}

/** The access log line of one request (newline included). The same text as JSON.stringify of
 * `{ time, method, path, status, bytes, duration_ms, upstream, client }`, built by hand: it runs once per request in
 * the worker, and an object plus JSON.stringify plus a Date cost about five times as much. */
export function formatAccessLine(entry: AccessEntry): string {
  return `{"time":"${isoTime(entry.time)}","method":${jsonString(entry.method)},"path":${jsonString(entry.path)},"status":${jsonNumber(entry.status)},"bytes":${jsonNumber(entry.bytes)},"duration_ms":${jsonNumber(Math.round(entry.durationMs * 10) / 10)},"upstream":${entry.upstream === null ? 'null' : jsonString(entry.upstream)},"client":${jsonString(entry.clientIp)}}\n`;
}

export function createAccessLogBatch(options: AccessLogBatchOptions): AccessLogBatch {
  const flushMs = options.flushMs ?? 200;
  const maxLines = options.maxLines ?? 500;
  const maxHeld = options.maxHeldLines ?? 50_000;
  let lines: Record<string, string> = {};
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  /** A batch the channel has not taken yet: the next one waits for it. */
  let inFlight: Promise<void> | undefined;
  let dropped = 0;

  function send(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (inFlight !== undefined) return inFlight.then(send);
    if (count === 0) return Promise.resolve();
    const batch = lines;
    lines = {};
    count = 0;
    let taken: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => { taken = resolve; });
    if (options.send(batch, taken)) return sent;
    inFlight = sent.then(() => {
      inFlight = undefined;
      if (count > 0) schedule();
    });
    return inFlight;
  }

  function schedule(): void {
    if (inFlight !== undefined) return; // sent when the channel takes the batch before
    if (count >= maxLines) void send();
    else timer ??= setTimeout(() => { void send(); }, flushMs);
  }

  return {
    add(entry) {
      if (count >= maxHeld) {
        dropped++;
        return;
      }
      if (dropped > 0) {
        options.onDrop?.(dropped);
        dropped = 0;
      }
      const key = entry.routeId ?? '';
      lines[key] = (lines[key] ?? '') + formatAccessLine(entry);
      count++;
      schedule();
    },
    flush: send,
  };
}
