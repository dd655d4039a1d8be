import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createLogSink } from '../../src/logs/create-log-sink.js';
import { clearRanges, createLineSplitter, createRanges, type LineRanges } from '../../src/logs/split-lines.js';
import { tempDir } from './log-test-helpers.js';

/** The line texts `input` should give, computed on the whole input at once: the specification. */
function expectedLines(input: Buffer, maxLine: number): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const newline = input.indexOf(0x0a, start);
    const end = newline === -1 ? input.length : newline;
    if (newline === -1 && end === start) break;
    let line = input.subarray(start, end);
    if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
    while (line.length > maxLine) {
      let cut = maxLine;
      for (let back = 0; back < 4 && maxLine - back > 0; back++) {
        if (((line[maxLine - back] ?? 0) & 0xc0) !== 0x80) {
          cut = maxLine - back;
          break;
        }
      }
      lines.push(line.subarray(0, cut).toString('hex'));
      line = line.subarray(cut);
    }
    lines.push(line.toString('hex'));
    if (newline === -1) break;
    start = newline + 1;
  }
  return lines;
}

/** The raw text bytes of each line of a log file (everything after the third space), as hex. */
function fileLines(path: string): string[] {
  const data = readFileSync(path);
  const lines: string[] = [];
  let start = 0;
  while (start < data.length) {
    const newline = data.indexOf(0x0a, start);
    let text = start;
    for (let spaces = 0; spaces < 3; spaces++) text = data.indexOf(0x20, text) + 1;
    lines.push(data.subarray(text, newline).toString('hex'));
    start = newline + 1;
  }
  return lines;
}

function texts(ranges: LineRanges): string[] {
  return ranges.starts.map((start, index) => (ranges.buffers[index] as Buffer).toString('latin1', start, ranges.ends[index]));
}

describe('createLineSplitter', () => {
  it('holds a partial line until its newline, across any number of chunks', () => {
    const splitter = createLineSplitter(100);
    const out = createRanges();
    splitter.push(Buffer.from('ab'), out);
    splitter.push(Buffer.from('c'), out);
    assert.deepEqual(texts(out), []);
    assert.equal(splitter.held(), 3);
    splitter.push(Buffer.from('d\r'), out);
    splitter.push(Buffer.from('\nx\n\ny'), out);
    assert.deepEqual(texts(out), ['abcd', 'x', '']);
    clearRanges(out);
    splitter.flush(out);
    assert.deepEqual(texts(out), ['y']);
    assert.equal(splitter.held(), 0);
  });

  it('does not cut a line of exactly the cap that arrives in pieces, even with \\r\\n', () => {
    const splitter = createLineSplitter(4);
    const out = createRanges();
    for (const piece of ['ab', 'cd', '\r', '\n', 'efghijkl\r', '\n']) splitter.push(Buffer.from(piece), out);
    assert.deepEqual(texts(out), ['abcd', 'efgh', 'ijkl']);
  });
});

describe('line framing through the sink (property)', () => {
  const byte = fc.constantFrom(0x61, 0x62, 0x0a, 0x0d, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0x20);
  const input = fc.uint8Array({ minLength: 0, maxLength: 400 }).chain((seed) => fc.array(byte, { minLength: seed.length, maxLength: seed.length }));

  it('gives the same lines however the bytes are cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 30 }), fc.integer({ min: 4, max: 40 }), async (bytes, cuts, maxLine) => {
        const data = Buffer.from(bytes);
        const dir = tempDir();
        const sink = createLogSink({ dir, service: 'p', maxLineBytes: maxLine, partialFlushMs: 60_000 });
        const source = new PassThrough();
        sink.attach(1, 'out', source);
        let position = 0;
        for (const cut of cuts) {
          if (position >= data.length) break;
          source.write(data.subarray(position, position + cut));
          position += cut;
        }
        if (position < data.length) source.write(data.subarray(position));
        source.end();
        await new Promise((resolve) => source.once('end', resolve));
        await sink.close();
        const written = data.length === 0 ? [] : fileLines(join(dir, 'p.log'));
        assert.deepEqual(written, expectedLines(data, maxLine));
      }),
      { numRuns: 150 },
    );
  });
});
