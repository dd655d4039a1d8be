// Reads one child stream (stdout or stderr of one instance) into whole, prefixed lines.
import { performance } from 'node:perf_hooks';
import type { Allocate } from './create-buffer-slab.js';
import { encodeLines, encodePrefix, encodeWholeLines, longestLine, type LinePrefix } from './encode-lines.js';
import type { LogStream } from './log-types.js';
import { clearRanges, createLineSplitter, createRanges } from './split-lines.js';

export interface SourceOptions {
  readonly instance: number;
  readonly stream: LogStream;
  readonly maxLine: number;
  readonly flushMs: number;
  readonly now: () => number;
  readonly allocate: Allocate;
  /** Receives each batch of encoded lines (`prefix text\n` each), with their time and prefix length. */
  readonly emit: (time: number, prefixLength: number, encoded: Buffer, count: number) => void;
  readonly report: (error: unknown) => void;
}

const NEWLINE = 0x0a;

/**
 * Listens to `source` with a 'data' handler and never pauses it. Returns a function that ends the
 * source early (flushing its unfinished line); it also runs on 'end', 'close' and 'error'.
 * A chunk is cut in two: its whole lines, with the held start of the first one (fast path, one
 * native pass, unless a line is over the cap), and an unfinished tail, held until its newline or
 * written after `flushMs` without one.
 */
export function attachSource(source: NodeJS.ReadableStream, options: SourceOptions): () => void {
  const { instance, stream, maxLine, flushMs, now, emit, allocate } = options;
  const splitter = createLineSplitter(maxLine);
  const ranges = createRanges();
  let prefixTime = Number.NaN;
  let prefix: LinePrefix | undefined;
  let timer: NodeJS.Timeout | undefined;
  let heldSince = 0;
  let ended = false;

  const prefixFor = (time: number): LinePrefix => {
    if (prefix === undefined || time !== prefixTime) {
      prefixTime = time;
      prefix = encodePrefix(time, instance, stream);
    }
    return prefix;
  };
  const emitRanges = (time: number): void => {
    if (ranges.starts.length === 0) return;
    const linePrefix = prefixFor(time);
    emit(time, linePrefix.bytes.length, encodeLines(linePrefix, ranges, allocate), ranges.starts.length);
    clearRanges(ranges);
  };
  const flushHeld = (): void => {
    clearRanges(ranges);
    splitter.flush(ranges);
    emitRanges(now());
  };
  const onTimer = (): void => {
    timer = undefined;
    if (splitter.held() === 0) return;
    const waited = performance.now() - heldSince;
    if (waited >= flushMs - 1) flushHeld();
    else timer = setTimeout(onTimer, flushMs - waited).unref();
  };
  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const time = now();
    const heldBefore = splitter.held();
    const last = bytes.lastIndexOf(NEWLINE);
    if (last !== -1) {
      const firstLength = heldBefore > 0 ? heldBefore + bytes.indexOf(NEWLINE) : 0;
      const fits = firstLength <= maxLine && (last <= maxLine || longestLine(bytes, 0, last + 1) <= maxLine);
      if (fits) {
        const linePrefix = prefixFor(time);
        const { encoded, count } = encodeWholeLines(bytes, 0, last + 1, linePrefix, allocate, splitter.take());
        emit(time, linePrefix.bytes.length, encoded, count);
      } else {
        clearRanges(ranges);
        splitter.push(bytes.subarray(0, last + 1), ranges);
        emitRanges(time);
      }
    }
    if (last + 1 < bytes.length) {
      clearRanges(ranges);
      splitter.push(last === -1 ? bytes : bytes.subarray(last + 1), ranges);
      emitRanges(time);
    }
    if (splitter.held() === 0) return;
    if (heldBefore === 0 || last !== -1) heldSince = performance.now();
    timer ??= setTimeout(onTimer, flushMs).unref();
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    source.removeListener('data', onData);
    flushHeld();
  };

  source.on('data', onData);
  source.once('end', end);
  source.once('close', end);
  source.on('error', (error) => {
    options.report(error);
    end();
  });
  // A 'data' listener makes a stream flow, unless someone paused it before us.
  source.resume();
  return end;
}
