// The last N lines of a service, kept in memory for `recent()` without decoding every line.
import type { LogLine, LogStream } from './log-types.js';

/**
 * One chunk's worth of lines. `encoded` holds them exactly as written to the file (every line is
 * `prefix text\n`, the prefix `prefixLength` bytes long); they are decoded only when asked for.
 */
export interface LogSegment {
  readonly service: string;
  readonly instance: number;
  readonly stream: LogStream;
  readonly time: number;
  readonly count: number;
  readonly prefixLength: number;
  encoded: Buffer | undefined;
  lines: LogLine[] | undefined;
}

export interface LogRing {
  add(segment: LogSegment): void;
  /** The last `count` lines (at most the ring's capacity), oldest first. */
  recent(count: number): LogLine[];
}

/**
 * Decodes a segment's lines (once; the encoded bytes are released afterwards). One UTF-8 decode
 * of the whole buffer and a split cost far less than a decode per line; the prefix is ASCII, so
 * its length in bytes is its length in characters.
 */
export function decodeSegment(segment: LogSegment): LogLine[] {
  if (segment.lines !== undefined) return segment.lines;
  const { service, instance, stream, time, prefixLength } = segment;
  const texts = (segment.encoded ?? Buffer.alloc(0)).toString('utf8').split('\n');
  texts.pop();
  const lines = texts.map((text): LogLine => ({ service, instance, stream, time, text: text.slice(prefixLength) }));
  segment.lines = lines;
  segment.encoded = undefined;
  return lines;
}

/**
 * A ring of segments holding at least the last `capacity` lines. Why segments and not lines: at a
 * million lines a second, one object and one string per line would cost more than all the rest of
 * the sink; a segment is one object per chunk, and most are dropped before anyone reads them.
 */
export function createLogRing(capacity: number): LogRing {
  let segments: (LogSegment | undefined)[] = [];
  let head = 0;
  let total = 0;
  return {
    add(segment) {
      if (capacity <= 0 || segment.count === 0) return;
      segments.push(segment);
      total += segment.count;
      while (total - (segments[head] as LogSegment).count >= capacity) {
        total -= (segments[head] as LogSegment).count;
        segments[head] = undefined;
        head++;
      }
      if (head > 1024 && head * 2 > segments.length) {
        segments = segments.slice(head);
        head = 0;
      }
    },
    recent(count) {
      const wanted = Math.min(Math.max(0, Math.floor(count)), capacity, total);
      const parts: LogLine[][] = [];
      let found = 0;
      for (let index = segments.length - 1; index >= head && found < wanted; index--) {
        const lines = decodeSegment(segments[index] as LogSegment);
        const take = Math.min(lines.length, wanted - found);
        parts.push(take === lines.length ? lines : lines.slice(lines.length - take));
        found += take;
      }
      return parts.reverse().flat();
    },
  };
}
