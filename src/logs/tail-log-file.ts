// Follows one service's current log file as it grows, across rotation and truncation.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLine } from './log-types.js';
import { parseLogLine } from './parse-log-line.js';
import { readLinesBackward } from './read-lines-backward.js';
import { readServiceLogs, type ReadLogsOptions } from './read-logs.js';
import { listRotatedNumbers, rotatedPath } from './rotate-log-files.js';

export interface LogTail {
  /** The complete lines appended since the last poll, oldest first. */
  poll(): Promise<LogLine[]>;
  close(): Promise<void>;
}

export interface OpenedLogTail {
  readonly tail: LogTail;
  /** The lines before the point the tail starts from, as `limit` selects them. */
  readonly backlog: LogLine[];
}

const NEWLINE = 0x0a;
const BLOCK = 256 * 1024;

/**
 * Opens a tail on `<dir>/<service>.log` positioned after its last complete line (or at its start
 * with `fromStart`, for a file that appeared after following began), with the backlog before it.
 * Why inodes: the sink renames the file away when it rotates and starts a new one under the same
 * name. A tail holds the old file open, finishes it, reads any rotated file it skipped over (two
 * rotations between polls), and moves on to the new one; a file that shrank was truncated.
 */
export async function openLogTail(dir: string, service: string, limit: Pick<ReadLogsOptions, 'lines' | 'since'>, fromStart = false): Promise<OpenedLogTail> {
  const path = join(dir, `${service}.log`);
  let file: FileHandle | undefined;
  let inode = 0;
  let offset = 0;
  const opened = await openIfPresent(path);
  if (opened !== undefined) {
    ({ file, inode } = opened);
    offset = fromStart ? 0 : await readLinesBackward(file, opened.size, () => false);
  }
  const backlog = fromStart ? [] : await readServiceLogs(dir, service, limit, file === undefined ? undefined : { file, end: offset });

  async function readForward(into: LogLine[]): Promise<void> {
    if (file === undefined) return;
    for (;;) {
      const block = Buffer.allocUnsafe(BLOCK);
      const { bytesRead } = await file.read(block, 0, BLOCK, offset);
      if (bytesRead === 0) return;
      const last = block.lastIndexOf(NEWLINE, bytesRead - 1);
      if (last === -1) {
        // A full block without a newline is not a line the sink wrote; skip it. Otherwise wait for the rest.
        if (bytesRead < BLOCK) return;
        offset += bytesRead;
        continue;
      }
      for (const text of block.toString('utf8', 0, last).split('\n')) {
        const line = parseLogLine(service, text);
        if (line !== undefined) into.push(line);
      }
      offset += last + 1;
      if (bytesRead < BLOCK) return;
    }
  }

  async function readSkipped(into: LogLine[], oldInode: number, newInode: number): Promise<void> {
    const numbers = await listRotatedNumbers({ list: (folder) => readdir(folder) }, path);
    const inodes = await Promise.all(numbers.map((n) => stat(rotatedPath(path, n)).then((s) => s.ino, () => -1)));
    const oldIndex = inodes.indexOf(oldInode);
    if (oldIndex === -1) return;
    const newIndex = inodes.indexOf(newInode);
    for (let index = oldIndex - 1; index > newIndex; index--) {
      const skipped = await openIfPresent(rotatedPath(path, numbers[index] ?? 0));
      if (skipped === undefined) continue;
      const previous = { file, offset };
      file = skipped.file;
      offset = 0;
      try {
        await readForward(into);
      } finally {
        await skipped.file.close();
        ({ file, offset } = previous);
      }
    }
  }

  async function poll(): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    if (file === undefined) {
      const appeared = await openIfPresent(path);
      if (appeared === undefined) return lines;
      ({ file, inode } = appeared);
      offset = 0;
    }
    await readForward(lines);
    const current = await stat(path).catch(() => undefined);
    if (current === undefined) return lines; // between the rename and the new file: poll again later
    if (current.ino !== inode) {
      await readForward(lines);
      const next = await openIfPresent(path);
      if (next === undefined) return lines;
      await readSkipped(lines, inode, next.inode);
      await file.close();
      ({ file, inode } = next);
      offset = 0;
      await readForward(lines);
    } else if (current.size < offset) {
      offset = 0;
      await readForward(lines);
    }
    return lines;
  }

  return {
    backlog,
    tail: {
      poll,
      async close() {
        const current = file;
        file = undefined;
        await current?.close();
      },
    },
  };
}

async function openIfPresent(path: string): Promise<{ file: FileHandle; inode: number; size: number } | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const { ino, size } = await file.stat();
  return { file, inode: ino, size };
}
