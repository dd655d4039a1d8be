// Reads a file's lines from the end, so the last 20 lines of a 50 MB log cost one small read.
import type { FileHandle } from 'node:fs/promises';

const NEWLINE = 0x0a;
const BLOCK = 64 * 1024;
/** Longer "lines" are not ours (the sink caps lines at 64 KiB); they are skipped, not buffered. */
const MAX_LINE = 1024 * 1024;

/**
 * Calls `visit` with each complete line of `file` before byte `end` (without its newline), newest
 * first, until it returns false or the file's start is reached. An unterminated tail (a write in
 * progress) is not a line; resolves with the offset just after the last newline, where a
 * follower should go on reading.
 */
export async function readLinesBackward(file: FileHandle, end: number, visit: (line: Buffer) => boolean): Promise<number> {
  let position = end;
  let rest: Buffer | undefined;
  let completeEnd: number | undefined;
  while (position > 0) {
    const length = Math.min(BLOCK, position);
    const block = Buffer.allocUnsafe(length);
    const { bytesRead } = await file.read(block, 0, length, position - length);
    if (bytesRead < length) return completeEnd ?? 0;
    position -= length;
    let data = rest === undefined ? block : Buffer.concat([block, rest]);
    if (completeEnd === undefined) {
      const last = data.lastIndexOf(NEWLINE);
      if (last === -1) {
        rest = data.length > MAX_LINE ? undefined : data;
        continue;
      }
      completeEnd = position + last + 1;
      data = data.subarray(0, last + 1);
    }
    let lineEnd = data.length - 1;
    for (;;) {
      const newline = lineEnd > 0 ? data.lastIndexOf(NEWLINE, lineEnd - 1) : -1;
      if (newline === -1) break;
      if (!visit(data.subarray(newline + 1, lineEnd))) return completeEnd;
      lineEnd = newline;
    }
    // data[0, lineEnd] is the end of a line that starts in an earlier block; a line too long to be
    // ours is cut there rather than buffered without bound.
    rest = lineEnd + 1 > MAX_LINE ? Buffer.from([NEWLINE]) : data.subarray(0, lineEnd + 1);
  }
  if (completeEnd !== undefined && rest !== undefined && rest.length > 1) visit(rest.subarray(0, rest.length - 1));
  return completeEnd ?? 0;
}
