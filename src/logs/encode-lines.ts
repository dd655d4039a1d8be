// The file form of lines: `<ISO time> <instance> <stream> <text>\n`, all of one chunk in one buffer.
import type { Allocate } from './create-buffer-slab.js';
import { encodeWholeLinesWasm } from './encode-lines-wasm.js';
import { formatTimestamp } from './format-timestamp.js';
import type { LineRanges } from './split-lines.js';
import type { LogStream } from './log-types.js';

/** The bytes in front of every line, as bytes and as a latin1 string (they are ASCII). */
export interface LinePrefix {
  readonly bytes: Buffer;
  /** `\n` followed by the prefix: what every inner newline of a chunk becomes. */
  readonly separator: string;
}

export interface EncodedLines {
  readonly encoded: Buffer;
  readonly count: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The prefix `2026-05-01T12:00:00.123Z 1 out ` of lines at `time`. */
export function encodePrefix(time: number, instance: number, stream: LogStream): LinePrefix {
  const text = `${formatTimestamp(time)} ${instance} ${stream} `;
  return { bytes: Buffer.from(text, 'latin1'), separator: `\n${text}` };
}

/**
 * Writes every range of `ranges` as `prefix text\n` into one new buffer (the general path: lines
 * that end a held partial, lines over the length cap, Berth's own lines).
 */
export function encodeLines(prefix: LinePrefix, ranges: LineRanges, allocate: Allocate): Buffer {
  const { buffers, starts, ends } = ranges;
  const head = prefix.bytes;
  const count = starts.length;
  let size = count * (head.length + 1);
  for (let index = 0; index < count; index++) size += (ends[index] as number) - (starts[index] as number);
  const out = allocate(size);
  let position = 0;
  for (let index = 0; index < count; index++) {
    out.set(head, position);
    position += head.length;
    position += (buffers[index] as Buffer).copy(out, position, starts[index], ends[index]);
    out[position++] = NEWLINE;
  }
  return out;
}

/**
 * The fast path for whole lines: `head` (the held start of the first line, if any) followed by `chunk[start, end)`,
 * which ends with a newline. The caller has checked that no line is longer than the cap (`longestLine`).
 * WebAssembly when the process has it (encode-lines-wasm.ts, a SIMD pass), else the string path below.
 */
export function encodeWholeLines(chunk: Buffer, start: number, end: number, prefix: LinePrefix, allocate: Allocate, head?: Buffer): EncodedLines {
  return encodeWholeLinesWasm(chunk, start, end, prefix, allocate, head) ?? encodeWholeLinesText(chunk, start, end, prefix, allocate, head);
}

/**
 * encodeWholeLines without WebAssembly, same arguments and output.
 * Why strings: per-line Buffer copies cost a JS→C++ call and a view object each, about 250 ns a
 * line here; reading the bytes as latin1 (one byte, one char, exact round trip) and letting V8's
 * replaceAll put the prefix after every newline is one native pass, about twice as fast.
 */
export function encodeWholeLinesText(chunk: Buffer, start: number, end: number, prefix: LinePrefix, allocate: Allocate, head?: Buffer): EncodedLines {
  let body = chunk.toString('latin1', start, end - 1);
  if (head !== undefined) body = head.toString('latin1') + body;
  const carriageReturn = chunk.indexOf(CARRIAGE_RETURN, start);
  if ((carriageReturn !== -1 && carriageReturn < end) || (head?.includes(CARRIAGE_RETURN) ?? false)) {
    // The newline put back first, so a `\r` before the final newline goes too.
    body = `${body}\n`.replaceAll('\r\n', '\n').slice(0, -1);
  }
  const inner = body.replaceAll('\n', prefix.separator);
  const bytes = prefix.bytes;
  const count = (inner.length - body.length) / (prefix.separator.length - 1) + 1;
  const size = bytes.length + inner.length + 1;
  const out = allocate(size);
  out.set(bytes, 0);
  out.write(inner, bytes.length, 'latin1');
  out[size - 1] = NEWLINE;
  return { encoded: out, count };
}

/** The length of the longest line in `chunk[start, end)`, newlines excluded. */
export function longestLine(chunk: Buffer, start: number, end: number): number {
  let longest = 0;
  let position = start;
  while (position < end) {
    const newline = chunk.indexOf(NEWLINE, position);
    const lineEnd = newline === -1 || newline >= end ? end : newline;
    longest = Math.max(longest, lineEnd - position);
    position = lineEnd + 1;
  }
  return longest;
}
