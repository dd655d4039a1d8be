// How `berth logs` and `berth up` show lines to people (`web.1 | text`) and to programs (--json).
import { formatTimestamp } from './format-timestamp.js';
import type { LogLine } from './log-types.js';

export interface FormatLogLineOptions {
  /** Colour the label by service (ANSI); the caller decides (TTY, NO_COLOR), nothing global is read. */
  readonly color?: boolean;
  /** Pad labels to this width, so the bars line up (see `measureLabel`). */
  readonly width?: number;
  /** Start with the line's ISO time. */
  readonly time?: boolean;
}

/** ANSI foreground colours that read on dark and light terminals alike (no black, white, or red: red means errors). */
const PALETTE = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94] as const;
const RESET = '\u001b[0m';

/** The label of a line: `web.1`, or `web` for lines about the whole service (instance 0). */
export function labelOf(line: Pick<LogLine, 'service' | 'instance'>): string {
  return line.instance > 0 ? `${line.service}.${line.instance}` : line.service;
}

/** The width of the widest label among `lines`, for `width`. */
export function measureLabel(lines: Iterable<Pick<LogLine, 'service' | 'instance'>>): number {
  let width = 0;
  for (const line of lines) width = Math.max(width, labelOf(line).length);
  return width;
}

/** The ANSI colour code of a service: stable across runs and commands, so `web` always looks the same. */
export function colorOf(service: string): number {
  let hash = 0;
  for (let index = 0; index < service.length; index++) hash = (hash * 31 + service.charCodeAt(index)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? 36;
}

/**
 * `web.1 | text` for output, `web.1 * text` for Berth's own lines (state changes, dropped lines).
 * The text is shown as the service wrote it, escape sequences included, as its own terminal would.
 */
export function formatLogLine(line: LogLine, options: FormatLogLineOptions = {}): string {
  const label = labelOf(line).padEnd(options.width ?? 0);
  const bar = line.stream === 'berth' ? '*' : '|';
  const head = options.color === true ? `\u001b[${colorOf(line.service)}m${label} ${bar}${RESET}` : `${label} ${bar}`;
  const time = options.time === true ? `${formatTimestamp(line.time)} ` : '';
  return `${time}${head} ${line.text}`;
}

/** One JSON object a line: `{"time":"…Z","service":"web","instance":1,"stream":"out","text":"…"}`. */
export function formatLogLineJson(line: LogLine): string {
  return JSON.stringify({ time: formatTimestamp(line.time), service: line.service, instance: line.instance, stream: line.stream, text: line.text });
}
