// Reads the file form `<ISO time> <instance> <stream> <text>` back into a LogLine.
import type { LogLine, LogStream } from './log-types.js';

const STREAMS: ReadonlySet<string> = new Set<LogStream>(['out', 'err', 'berth']);

/** Parses one line of a log file (without its newline); undefined when it is not in the format. */
export function parseLogLine(service: string, line: string): LogLine | undefined {
  const timeEnd = line.indexOf(' ');
  const instanceEnd = timeEnd === -1 ? -1 : line.indexOf(' ', timeEnd + 1);
  const streamEnd = instanceEnd === -1 ? -1 : line.indexOf(' ', instanceEnd + 1);
  if (streamEnd === -1) return undefined;
  const time = Date.parse(line.slice(0, timeEnd));
  const instanceText = line.slice(timeEnd + 1, instanceEnd);
  const stream = line.slice(instanceEnd + 1, streamEnd);
  if (Number.isNaN(time) || !/^\d{1,9}$/.test(instanceText) || !STREAMS.has(stream)) return undefined;
  return { service, instance: Number(instanceText), stream: stream as LogStream, time, text: line.slice(streamEnd + 1) };
}
