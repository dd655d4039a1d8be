// Cuts a byte stream into lines across chunk boundaries: `\n` ends a line, a `\r` before it is
// dropped, an unfinished line is held until its newline (or a flush), and no line exceeds a cap.

/** Where the lines found in one push are: parallel lists of source buffer and byte range (text only, no newline). */
export interface LineRanges {
  readonly buffers: Buffer[];
  readonly starts: number[];
  readonly ends: number[];
}

export interface LineSplitter {
  /** Adds a chunk; appends every line it completes to `out`. */
  push(chunk: Buffer, out: LineRanges): void;
  /** Ends the held partial line (stream end, or a prompt that waited too long); appends it to `out`. */
  flush(out: LineRanges): void;
  /** Bytes held for an unfinished line. */
  held(): number;
  /** Removes and returns the held bytes, if any (the caller finishes the line itself). */
  take(): Buffer | undefined;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Empty range lists, to be reused with `clearRanges` between pushes. */
export function createRanges(): LineRanges {
  return { buffers: [], starts: [], ends: [] };
}

/** Empties `ranges` without reallocating. */
export function clearRanges(ranges: LineRanges): void {
  ranges.buffers.length = 0;
  ranges.starts.length = 0;
  ranges.ends.length = 0;
}

/** A splitter that cuts lines longer than `maxLine` bytes into pieces of at most `maxLine` bytes. */
export function createLineSplitter(maxLine: number): LineSplitter {
  if (!(maxLine >= 4)) throw new RangeError(`maxLine must be at least 4 bytes, got ${maxLine}`);
  let partial: Buffer[] = [];
  let partialLength = 0;

  function hold(chunk: Buffer, start: number, end: number, out: LineRanges): void {
    // A copy, so a few held bytes never keep a whole 64 KiB chunk alive.
    partial.push(Buffer.from(chunk.subarray(start, end)));
    partialLength += end - start;
    // One byte of slack: a line of exactly `maxLine` bytes may still end in `\r\n`.
    if (partialLength <= maxLine + 1) return;
    const joined = takePartial();
    let cut = 0;
    while (joined.length - cut > maxLine + 1) {
      const next = utf8Boundary(joined, cut + maxLine, cut);
      pushRange(out, joined, cut, next);
      cut = next;
    }
    if (cut < joined.length) {
      partial = [joined.subarray(cut)];
      partialLength = joined.length - cut;
    }
  }

  function takePartial(): Buffer {
    const joined = partial.length === 1 ? (partial[0] as Buffer) : Buffer.concat(partial, partialLength);
    partial = [];
    partialLength = 0;
    return joined;
  }

  function emit(buffer: Buffer, start: number, end: number, out: LineRanges): void {
    if (end > start && buffer[end - 1] === CARRIAGE_RETURN) end--;
    while (end - start > maxLine) {
      const next = utf8Boundary(buffer, start + maxLine, start);
      pushRange(out, buffer, start, next);
      start = next;
    }
    pushRange(out, buffer, start, end);
  }

  return {
    push(chunk, out) {
      let position = 0;
      if (partialLength > 0) {
        const newline = chunk.indexOf(NEWLINE);
        if (newline === -1) {
          hold(chunk, 0, chunk.length, out);
          return;
        }
        partial.push(chunk.subarray(0, newline));
        partialLength += newline;
        const line = takePartial();
        emit(line, 0, line.length, out);
        position = newline + 1;
      }
      while (position < chunk.length) {
        const newline = chunk.indexOf(NEWLINE, position);
        if (newline === -1) {
          hold(chunk, position, chunk.length, out);
          return;
        }
        emit(chunk, position, newline, out);
        position = newline + 1;
      }
    },
    flush(out) {
      if (partialLength === 0) return;
      const line = takePartial();
      emit(line, 0, line.length, out);
    },
    held: () => partialLength,
    take: () => (partialLength === 0 ? undefined : takePartial()),
  };
}

function pushRange(out: LineRanges, buffer: Buffer, start: number, end: number): void {
  out.buffers.push(buffer);
  out.starts.push(start);
  out.ends.push(end);
}

/** Moves `cut` back (at most 3 bytes, never to `floor`) so it does not fall inside a UTF-8 character. */
function utf8Boundary(buffer: Buffer, cut: number, floor: number): number {
  for (let back = 0; back < 4 && cut - back > floor; back++) {
    if (((buffer[cut - back] ?? 0) & 0xc0) !== 0x80) return cut - back;
  }
  return cut;
}
