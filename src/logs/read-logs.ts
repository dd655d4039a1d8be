// `berth logs` without -f: the last N lines (and/or those since a time) of some services, merged by time.
import { open, type FileHandle } from 'node:fs/promises';
import { listLogFiles, listLogServices } from './list-log-files.js';
import type { LogLine } from './log-types.js';
import { parseLogLine } from './parse-log-line.js';
import { readLinesBackward } from './read-lines-backward.js';

export interface ReadLogsOptions {
  /** The folder of the log files, normally `.berth/logs`. */
  readonly dir: string;
  /** Services to read; every service with a log file when missing or empty. */
  readonly services?: readonly string[];
  /** At most this many lines, the newest; every line when missing. */
  readonly lines?: number;
  /** Only lines at or after this time (milliseconds since the epoch). */
  readonly since?: number;
}

/** Where to read the current file from instead of opening it: a follower's handle and its end. */
export interface OpenCurrentFile {
  readonly file: FileHandle;
  readonly end: number;
}

/** The selected lines of every selected service, oldest first. */
export async function readLogs(options: ReadLogsOptions): Promise<LogLine[]> {
  const services = options.services?.length ? [...options.services] : await listLogServices(options.dir);
  const perService = await Promise.all(services.map((service) => readServiceLogs(options.dir, service, options)));
  return lastLines(mergeByTime(perService), options.lines);
}

/**
 * One service's selected lines, oldest first, reading its files from the newest backwards and
 * stopping as soon as it has `lines` lines or reaches a line older than `since`. Lines within
 * one service's files are in time order, as the sink appends them as they come.
 */
export async function readServiceLogs(dir: string, service: string, limit: Pick<ReadLogsOptions, 'lines' | 'since'>, current?: OpenCurrentFile): Promise<LogLine[]> {
  const wanted = limit.lines ?? Number.POSITIVE_INFINITY;
  const collected: LogLine[] = [];
  if (wanted <= 0) return collected;
  const state = { done: false };
  const visit = (raw: Buffer): boolean => {
    const line = parseLogLine(service, raw.toString('utf8'));
    if (line === undefined) return true;
    if (limit.since !== undefined && line.time < limit.since) state.done = true;
    else collected.push(line);
    if (collected.length >= wanted) state.done = true;
    return !state.done;
  };
  const files = await listLogFiles(dir, service);
  for (const [index, path] of files.entries()) {
    if (index === 0 && current !== undefined) await readLinesBackward(current.file, current.end, visit);
    else await readFileBackward(path, visit);
    if (state.done) break;
  }
  return collected.reverse();
}

/** Merges lists that are each in time order into one, keeping each list's own order on ties. */
export function mergeByTime(lists: readonly (readonly LogLine[])[]): LogLine[] {
  if (lists.length === 1) return [...(lists[0] ?? [])];
  const merged: LogLine[] = [];
  const heads = lists.map(() => 0);
  for (;;) {
    let best = -1;
    let bestTime = Number.POSITIVE_INFINITY;
    for (const [index, list] of lists.entries()) {
      const line = list[heads[index] ?? 0];
      if (line !== undefined && (best === -1 || line.time < bestTime)) {
        best = index;
        bestTime = line.time;
      }
    }
    if (best === -1) return merged;
    merged.push((lists[best] as readonly LogLine[])[heads[best] ?? 0] as LogLine);
    heads[best] = (heads[best] ?? 0) + 1;
  }
}

function lastLines(lines: LogLine[], count: number | undefined): LogLine[] {
  return count === undefined || lines.length <= count ? lines : lines.slice(lines.length - Math.max(0, count));
}

async function readFileBackward(path: string, visit: (line: Buffer) => boolean): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const { size } = await file.stat();
    await readLinesBackward(file, size, visit);
  } finally {
    await file.close();
  }
}
