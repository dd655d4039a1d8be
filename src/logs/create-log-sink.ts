// The supervisor's log sink for one service: every instance's stdout and stderr, and Berth's own
// lines about it, go to `<dir>/<service>.log` (rotated by size), a ring of recent lines, and listeners.
import { join } from 'node:path';
import { attachSource } from './attach-source.js';
import { createBufferSlab } from './create-buffer-slab.js';
import { createLogFile } from './create-log-file.js';
import { encodeLines, encodePrefix } from './encode-lines.js';
import { nodeLogFs, type LogFs } from './log-fs.js';
import { createLogRing, decodeSegment, type LogSegment } from './log-ring.js';
import type { LogListener, LogSink, LogStream } from './log-types.js';
import { createLineSplitter, createRanges } from './split-lines.js';

export const DEFAULT_MAX_SIZE = 10 * 1024 * 1024;
export const DEFAULT_KEEP = 5;
export const DEFAULT_RING_LINES = 1000;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_PARTIAL_FLUSH_MS = 100;

export interface LogSinkOptions {
  /** The folder of the log files, normally `.berth/logs`; created on the first write. */
  readonly dir: string;
  readonly service: string;
  /** Rotate before the file would grow past this many bytes (default 10 MiB); 0 never rotates. */
  readonly maxSize?: number;
  /** Rotated files to keep (default 5); 0 keeps none. */
  readonly keep?: number;
  /** Lines kept in memory for `recent()` (default 1000). */
  readonly ringLines?: number;
  /** Longer lines are cut into pieces of this many bytes (default 64 KiB). */
  readonly maxLineBytes?: number;
  /** When this many bytes wait for the disk, new lines skip the file and are counted (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** An unfinished line (a prompt) is written after waiting this long for its newline (default 100 ms). */
  readonly partialFlushMs?: number;
  /** File operations; tests pass a slow one. */
  readonly fs?: LogFs;
  /** The clock for line times (milliseconds since the epoch). */
  readonly now?: () => number;
  /** Told about file errors and throwing listeners; the sink carries on either way. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Creates the sink. Why it never waits for the disk: a child whose pipe is not read blocks in
 * write() (process-compose#57 froze chatty services that way). So every chunk is taken at once,
 * written later in batches, and when more than `maxBufferedBytes` are still waiting, lines are
 * dropped from the file (still reaching the ring and listeners), counted, and a `berth` line
 * saying how many is written where the gap is.
 */
export function createLogSink(options: LogSinkOptions): LogSink {
  const { service } = options;
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const flushMs = options.partialFlushMs ?? DEFAULT_PARTIAL_FLUSH_MS;
  const now = options.now ?? Date.now;
  const report = (error: unknown): void => {
    try {
      options.onError?.(error);
    } catch {
      // A reporter that throws must not take the sink down with it.
    }
  };
  const allocate = createBufferSlab();
  const ring = createLogRing(options.ringLines ?? DEFAULT_RING_LINES);
  const listeners = new Set<LogListener>();
  const enders = new Set<() => void>();
  let droppedTotal = 0;
  let unreported = 0;
  let closed = false;
  let closing: Promise<void> | undefined;

  const file = createLogFile({
    path: join(options.dir, `${service}.log`),
    maxSize: options.maxSize ?? DEFAULT_MAX_SIZE,
    keep: options.keep ?? DEFAULT_KEEP,
    fs: options.fs ?? nodeLogFs,
    onLost(lines, error, first) {
      droppedTotal += lines;
      unreported += lines;
      // Once per failing streak: a full disk would otherwise report every batch.
      if (first) report(error);
    },
    onError: report,
    onIdle() {
      if (unreported > 0 && !closed && !file.failing()) noteDropped();
    },
  });

  function toFile(encoded: Buffer, count: number, force: boolean): void {
    if (closed) return;
    const pending = file.pending();
    if (!force && pending > 0 && pending + encoded.length > maxBuffered) {
      droppedTotal += count;
      unreported += count;
      return;
    }
    if (unreported > 0 && !force && !file.failing()) noteDropped();
    file.append(encoded, count);
  }

  function noteDropped(): void {
    const count = unreported;
    unreported = 0;
    const text = `${count} ${count === 1 ? 'line' : 'lines'} dropped here: the disk could not keep up`;
    emitText(0, 'berth', text, true);
  }

  function emit(instance: number, stream: LogStream, time: number, prefixLength: number, encoded: Buffer, count: number, force = false): void {
    if (count === 0) return;
    const segment: LogSegment = { service, instance, stream, time, count, prefixLength, encoded, lines: undefined };
    toFile(encoded, count, force);
    ring.add(segment);
    if (listeners.size === 0) return;
    for (const line of decodeSegment(segment)) {
      for (const listener of listeners) {
        try {
          listener(line);
        } catch (error) {
          report(error);
        }
      }
    }
  }

  function emitText(instance: number, stream: LogStream, text: string, force = false): void {
    const ranges = createRanges();
    const splitter = createLineSplitter(maxLine);
    splitter.push(Buffer.from(text), ranges);
    splitter.flush(ranges);
    const time = now();
    const prefix = encodePrefix(time, instance, stream);
    emit(instance, stream, time, prefix.bytes.length, encodeLines(prefix, ranges, allocate), ranges.starts.length, force);
  }

  function attach(instance: number, stream: 'out' | 'err', source: NodeJS.ReadableStream): void {
    if (closed) return;
    const end = attachSource(source, {
      instance,
      stream,
      maxLine,
      flushMs,
      now,
      allocate,
      report,
      emit: (time, prefixLength, encoded, count) => {
        emit(instance, stream, time, prefixLength, encoded, count);
      },
    });
    enders.add(end);
    const forget = (): void => {
      enders.delete(end);
    };
    source.once('end', forget);
    source.once('close', forget);
  }

  return {
    attach,
    write(instance, text) {
      emitText(instance, 'berth', text);
    },
    subscribe(listener) {
      // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
      const entry: LogListener = (line) => {
        listener(line);
      };
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    recent: (count) => ring.recent(count),
    dropped: () => droppedTotal,
    close() {
      closing ??= (async () => {
        for (const end of [...enders]) end();
        if (unreported > 0) noteDropped();
        closed = true;
        await file.close();
      })();
      return closing;
    },
  };
}
