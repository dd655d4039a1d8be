// The few file operations the log sink needs, behind an interface so a test can slow the disk down.
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface LogFileHandle {
  /** Appends all of `buffers`, in order (retrying short writes). */
  write(buffers: readonly Buffer[]): Promise<void>;
  close(): Promise<void>;
}

export interface LogFs {
  /** Opens `path` for appending, creating it and its folder; resolves with the handle and the file's size. */
  open(path: string): Promise<{ readonly handle: LogFileHandle; readonly size: number }>;
  /** Renames `from` to `to`, replacing `to`; rejects with ENOENT when `from` is missing. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** The names in a folder. */
  list(dir: string): Promise<string[]>;
}

/** The real file system. */
export const nodeLogFs: LogFs = {
  async open(path) {
    // Services print secrets more often than anyone would like: logs are for the stack's owner only.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const file = await open(path, 'a', 0o600);
    const { size } = await file.stat();
    const handle: LogFileHandle = {
      async write(buffers) {
        let pending = buffers.filter((buffer) => buffer.length > 0);
        while (pending.length > 0) {
          const { bytesWritten } = await file.writev(pending);
          pending = skipBytes(pending, bytesWritten);
        }
      },
      close: () => file.close(),
    };
    return { handle, size };
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  list: (dir) => readdir(dir),
};

/** `buffers` without their first `count` bytes. */
function skipBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (count >= buffer.length) {
      count -= buffer.length;
      continue;
    }
    rest.push(count > 0 ? buffer.subarray(count) : buffer);
    count = 0;
  }
  return rest;
}
