import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { spawnProcess } from '../../src/exec/spawn-process.js';
import { createLogSink } from '../../src/logs/create-log-sink.js';
import { nodeLogFs, type LogFs } from '../../src/logs/log-fs.js';
import type { LogLine } from '../../src/logs/log-types.js';
import { closedOf, fixtures, readLogFile, runFixture, runSteps, tempDir, textsOf, waitFor } from './log-test-helpers.js';

const FIXED_TIME = Date.parse('2026-01-02T03:04:05.678Z');

describe('createLogSink: lines', { concurrency: true }, () => {
  it('writes `<time> <instance> <stream> <text>` lines from a real child, across chunk boundaries', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web' });
    const run = await runSteps(sink, 2, [
      { out: 'hel' },
      { sleep: 30, out: 'lo\nwor' },
      { sleep: 30, out: 'ld\n' },
      { err: 'oops\n' },
      { sleep: 30, out: '\n' },
      { out: 'tail without newline' },
    ]);
    assert.equal(run.code, 0);
    await sink.close();
    const raw = readFileSync(join(dir, 'web.log'), 'utf8');
    assert.match(raw, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 2 out hello\n/);
    const lines = readLogFile(join(dir, 'web.log'));
    // Each stream in its own order; across the two pipes the order is only as good as the scheduler (a loaded
    // machine may hand both to the reader in one turn), so it is not asserted.
    const of = (stream: string): string[] => lines.filter((line) => line.stream === stream).map((line) => `${String(line.instance)} ${line.stream} ${line.text}`);
    assert.deepEqual(of('out'), ['2 out hello', '2 out world', '2 out ', '2 out tail without newline']);
    assert.deepEqual(of('err'), ['2 err oops']);
    assert.ok(lines.every((line) => Math.abs(line.time - Date.now()) < 60_000));
  });

  it('drops the \\r of \\r\\n (also split across chunks) and keeps every other byte', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web' });
    await runSteps(sink, 1, [
      { out: 'a\r\nb\r' },
      { sleep: 30, out: '\nc\rd\r\r\n' },
      { out: '\u001b[32mgreen\u001b[0m\ttab\n' },
      { outBytes: Buffer.from([0xff, 0xfe, 0x0a]).toString('base64') },
    ]);
    await sink.close();
    const raw = readFileSync(join(dir, 'web.log'));
    assert.ok(raw.includes(Buffer.from([0x20, 0xff, 0xfe, 0x0a])), 'invalid UTF-8 is written as is');
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), ['a', 'b', 'c\rd\r', '\u001b[32mgreen\u001b[0m\ttab', '\ufffd\ufffd']);
  });

  it('shows a prompt without newline after a short delay, and not before', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', partialFlushMs: 80 });
    const seen: string[] = [];
    let shownAfter = 0;
    const start = Date.now();
    sink.subscribe((line) => {
      seen.push(line.text);
      shownAfter = Date.now() - start;
    });
    const source = new PassThrough();
    sink.attach(1, 'out', source);
    source.write('Password: ');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(seen.length, 0, 'held while the line may still be coming');
    await waitFor(() => seen.length === 1, 2000, 'the prompt');
    assert.deepEqual(seen, ['Password: ']);
    assert.ok(shownAfter >= 70, `flushed after ${shownAfter} ms`);
    source.end('hunter2\n');
    await sink.close();
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), ['Password: ', 'hunter2']);
  });

  it('cuts lines over the cap into pieces, never inside a UTF-8 character', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', maxLineBytes: 1000 });
    const long = 'é'.repeat(1700); // 3400 bytes
    await runSteps(sink, 1, [{ out: long.slice(0, 600) }, { sleep: 20, out: `${long.slice(600)}\nshort\n` }, { out: `${'ab'.repeat(1200)}\n` }]);
    await sink.close();
    const texts = textsOf(readLogFile(join(dir, 'web.log')));
    const pieces = texts.slice(0, texts.indexOf('short'));
    assert.equal(pieces.join(''), long);
    assert.ok(pieces.every((piece) => Buffer.byteLength(piece) <= 1000 && !piece.includes('\ufffd')), 'pieces are whole characters');
    assert.deepEqual(texts.slice(texts.indexOf('short') + 1), ['ab'.repeat(500), 'ab'.repeat(500), 'ab'.repeat(200)]);
  });

  it('cuts a 200 KiB line into 64 KiB pieces by default', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web' });
    await runSteps(sink, 1, [{ out: 'x', repeat: 200 * 1024 }, { out: '\nafter\n' }]);
    await sink.close();
    const texts = textsOf(readLogFile(join(dir, 'web.log')));
    assert.deepEqual(texts.map((text) => text.length), [65536, 65536, 65536, 8192, 5]);
  });

  it('flushes a held partial line on close()', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', partialFlushMs: 10_000 });
    const source = new PassThrough();
    sink.attach(1, 'out', source);
    source.write('done\nstill typing');
    await sink.close();
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), ['done', 'still typing']);
  });

  it('keeps nothing of a chunk after its listener returns: a source reusing one buffer gives the same file and ring', async () => {
    // The supervisor's pipes emit views of one shared buffer (pipeReaderInPlace); a sink that kept a view (a held
    // partial line, a range of a long line, a ring entry) would find it overwritten by the next read.
    const chunks = ['one\ntw', 'o\r', '\nthree is a line longer than the cap of sixteen', ' bytes\nfour\n', 'five without', ' newline'];
    const run = async (inPlace: boolean): Promise<[string, string[]]> => {
      const dir = tempDir();
      const sink = createLogSink({ dir, service: 'web', maxLineBytes: 16, partialFlushMs: 10_000, now: () => FIXED_TIME });
      const shared = Buffer.alloc(64);
      const source = new EventEmitter() as EventEmitter & { resume: () => void };
      source.resume = () => undefined;
      sink.attach(1, 'out', source as unknown as NodeJS.ReadableStream);
      for (const chunk of chunks) {
        const length = shared.write(chunk);
        source.emit('data', inPlace ? shared.subarray(0, length) : Buffer.from(chunk));
        // What the next read would do to the shared buffer.
        shared.fill('Z');
      }
      source.emit('end');
      await sink.close();
      return [readFileSync(join(dir, 'web.log'), 'utf8'), textsOf(sink.recent(100))];
    };
    const [fresh, inPlace] = [await run(false), await run(true)];
    assert.deepEqual(fresh[1], ['one', 'two', 'three is a line ', 'longer than the ', 'cap of sixteen b', 'ytes', 'four', 'five without new', 'line']);
    assert.deepEqual(inPlace, fresh);
  });

  it('writes Berth lines as stream `berth`, one file line per text line', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'api', now: () => FIXED_TIME });
    sink.write(0, 'starting');
    sink.write(3, 'exited with code 1\nrestarting in 200ms');
    await sink.close();
    assert.equal(
      readFileSync(join(dir, 'api.log'), 'utf8'),
      '2026-01-02T03:04:05.678Z 0 berth starting\n2026-01-02T03:04:05.678Z 3 berth exited with code 1\n2026-01-02T03:04:05.678Z 3 berth restarting in 200ms\n',
    );
  });
});

describe('createLogSink: ring and listeners', { concurrency: true }, () => {
  it('keeps the last lines for recent(), newest last, across chunks', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', ringLines: 5 });
    await runFixture(sink, 1, 'flat-out.mjs', ['count', '12', '20', '4'], false);
    await sink.close();
    assert.deepEqual(textsOf(sink.recent(3)).map((text) => text.slice(0, 12)), ['line 0000010', 'line 0000011', 'line 0000012']);
    assert.equal(sink.recent(100).length, 5, 'never more than the ring holds');
    assert.equal(sink.recent(0).length, 0);
    assert.deepEqual(sink.recent(1).map((line) => `${line.service} ${line.instance} ${line.stream}`), ['web 1 out']);
  });

  it('calls listeners for every line, synchronously, until they unsubscribe', async () => {
    const sink = createLogSink({ dir: tempDir(), service: 'web' });
    const seen: LogLine[] = [];
    const unsubscribe = sink.subscribe((line) => seen.push(line));
    sink.write(1, 'one');
    assert.equal(seen.length, 1, 'synchronous');
    await runFixture(sink, 2, 'flat-out.mjs', ['count', '500', '40', '7']);
    assert.equal(seen.length, 1 + 500 + 1, 'every line, and the fixture’s report on stderr');
    assert.deepEqual(textsOf(seen.filter((line) => line.stream === 'out')).map((text) => Number(text.slice(5, 12))), Array.from({ length: 500 }, (_, i) => i + 1));
    unsubscribe();
    sink.write(1, 'after');
    assert.equal(seen.length, 502);
    await sink.close();
  });

  it('goes on when a listener throws: other listeners, the ring and the file still get every line', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const sink = createLogSink({ dir, service: 'web', onError: (error) => errors.push(error) });
    sink.subscribe(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    sink.subscribe((line) => seen.push(line.text));
    await runSteps(sink, 1, [{ out: 'a\nb\n' }, { sleep: 20, out: 'c\n' }]);
    sink.write(0, 'd');
    await sink.close();
    assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
    assert.equal(errors.length, 4);
    assert.deepEqual(textsOf(sink.recent(10)), ['a', 'b', 'c', 'd']);
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), ['a', 'b', 'c', 'd']);
  });
});

describe('createLogSink: rotation', () => {
  // Every line is `2026-01-02T03:04:05.678Z 0 berth ` (33 bytes) + 16 characters + newline = 50 bytes.
  const line = (n: number): string => `line ${String(n).padStart(11, '0')}`;

  it('rotates exactly at the limit: full files hold maxSize bytes, keep rotated files stay', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log.7'), 'left by a run with a larger keep\n');
    writeFileSync(join(dir, 'web.log.backup'), 'not ours\n');
    writeFileSync(join(dir, 'webapp.log.3'), 'another service\n');
    const sink = createLogSink({ dir, service: 'web', maxSize: 500, keep: 2, now: () => FIXED_TIME });
    for (let n = 1; n <= 35; n++) {
      sink.write(0, line(n));
      if (n % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await sink.close();
    assert.deepEqual(readdirSync(dir).sort(), ['web.log', 'web.log.1', 'web.log.2', 'web.log.backup', 'webapp.log.3']);
    assert.equal(statSync(join(dir, 'web.log.2')).size, 500);
    assert.equal(statSync(join(dir, 'web.log.1')).size, 500);
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log.2'))), Array.from({ length: 10 }, (_, i) => line(i + 11)));
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log.1'))), Array.from({ length: 10 }, (_, i) => line(i + 21)));
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), Array.from({ length: 5 }, (_, i) => line(i + 31)));
  });

  it('rotates a batch written in one go at the same line boundaries', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', maxSize: 500, keep: 5, now: () => FIXED_TIME });
    sink.write(0, Array.from({ length: 25 }, (_, i) => line(i + 1)).join('\n'));
    await sink.close();
    assert.deepEqual([statSync(join(dir, 'web.log.2')).size, statSync(join(dir, 'web.log.1')).size, statSync(join(dir, 'web.log')).size], [500, 500, 250]);
  });

  it('appends to an existing file and counts its size toward the limit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log'), `2026-01-01T00:00:00.000Z 0 berth ${line(0)}\n`.repeat(9));
    const sink = createLogSink({ dir, service: 'web', maxSize: 500, keep: 1, now: () => FIXED_TIME });
    sink.write(0, `${line(1)}\n${line(2)}`);
    await sink.close();
    assert.equal(readLogFile(join(dir, 'web.log.1')).length, 10);
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), [line(2)]);
  });

  it('keeps no rotated file with keep 0, and gives a line longer than the limit a file of its own', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', maxSize: 120, keep: 0, now: () => FIXED_TIME });
    sink.write(0, line(1));
    sink.write(0, 'y'.repeat(200));
    await sink.close();
    assert.deepEqual(readdirSync(dir), ['web.log']);
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), ['y'.repeat(200)]);
  });
});

describe('createLogSink: rotation failures', () => {
  it('keeps writing to the same file when renaming fails, and says so once', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const stuckFs: LogFs = {
      ...nodeLogFs,
      rename: () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
    };
    const sink = createLogSink({ dir, service: 'web', maxSize: 100, fs: stuckFs, onError: (error) => errors.push(error), now: () => FIXED_TIME });
    for (let n = 1; n <= 6; n++) sink.write(0, `line ${n}`);
    await sink.close();
    assert.equal(readLogFile(join(dir, 'web.log')).length, 6);
    assert.equal(errors.length, 1);
  });
});

describe('createLogSink: never blocks', () => {
  it('drops lines when the disk falls behind, counts them, and says where', async () => {
    const dir = tempDir();
    let writes = 0;
    // A disk that takes 200 ms for every write, however small: a fake for time.
    const slowFs: LogFs = {
      ...nodeLogFs,
      async open(path) {
        const opened = await nodeLogFs.open(path);
        return {
          size: opened.size,
          handle: {
            write: async (buffers) => {
              writes++;
              await new Promise((resolve) => setTimeout(resolve, 200));
              await opened.handle.write(buffers);
            },
            close: () => opened.handle.close(),
          },
        };
      },
    };
    const sink = createLogSink({ dir, service: 'web', fs: slowFs, maxBufferedBytes: 64 * 1024 });
    const total = 40_000;
    const started = Date.now();
    const run = await runFixture(sink, 1, 'flat-out.mjs', ['count', String(total), '100', '50'], false);
    const childMs = Date.now() - started;
    await sink.close();
    assert.equal(run.code, 0);
    // Were the child held to the disk's pace it would need at least 4 MB / 64 KiB = 64 writes × 200 ms = 12.8 s;
    // a free child needs well under a second, several on a loaded machine. 8 s tells the two apart either way.
    assert.ok(childMs < 8000, `the child ran ${String(childMs)} ms against a disk doing ${String(writes)} writes`);
    const lines = readLogFile(join(dir, 'web.log'));
    const out = lines.filter((line) => line.stream === 'out');
    const notices = lines.filter((line) => line.stream === 'berth');
    assert.ok(sink.dropped() > 0, 'the slow disk made it drop');
    assert.equal(out.length + sink.dropped(), total, 'every line is written or counted');
    const noticed = notices.map((line) => Number(/^(\d+) lines? dropped here: the disk could not keep up$/.exec(line.text)?.[1]));
    assert.equal(noticed.reduce((sum, n) => sum + n, 0), sink.dropped(), 'the notices add up to dropped()');
    // Each notice sits exactly where its lines are missing.
    let expected = 1;
    for (const line of lines) {
      if (line.stream === 'berth') expected += noticedCount(line);
      else {
        assert.equal(Number(line.text.slice(5, 12)), expected, 'lines in order, gaps only at notices');
        expected++;
      }
    }
  });

  it('counts lines a failing disk loses, reports the failure once, and notes the gap when it recovers', async () => {
    const dir = tempDir();
    let failures = 3;
    const failingFs: LogFs = {
      ...nodeLogFs,
      async open(path) {
        if (failures-- > 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return nodeLogFs.open(path);
      },
    };
    const errors: unknown[] = [];
    const sink = createLogSink({ dir, service: 'web', fs: failingFs, onError: (error) => errors.push(error) });
    for (let n = 1; n <= 3; n++) {
      sink.write(1, `lost ${n}`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    sink.write(1, 'kept');
    await sink.close();
    assert.equal(sink.dropped(), 3);
    assert.equal(errors.length, 1, 'one report for the streak');
    assert.deepEqual(textsOf(readLogFile(join(dir, 'web.log'))), ['kept', '3 lines dropped here: the disk could not keep up']);
  });

  it('never pauses a child writing flat out: it keeps its pace through the sink', async (t) => {
    const dir = tempDir();
    const rate = async (mode: 'sink' | 'pipe' | 'file'): Promise<number> => {
      const args = [join(fixtures, 'flat-out.mjs'), 'time', '500', '120', '1'];
      let report = '';
      if (mode === 'file') {
        const fd = openSync(join(dir, 'direct.log'), 'w');
        const child = spawn(process.execPath, args, { stdio: ['ignore', fd, 'pipe'] });
        closeSync(fd);
        child.stderr?.on('data', (chunk: Buffer) => (report += chunk.toString()));
        await new Promise((resolve) => child.once('close', resolve));
      } else {
        // As the supervisor runs a service: spawnProcess's pipes, stdout into the sink (or discarded).
        const handle = spawnProcess({ command: { argv: [process.execPath, ...args] }, cwd: dir, env: {} });
        const sink = mode === 'sink' ? createLogSink({ dir, service: 'web', maxSize: 0 }) : undefined;
        if (handle.stdout === null || handle.stderr === null) throw new Error('no pipes');
        const closed = Promise.all([closedOf(handle.stdout), closedOf(handle.stderr)]);
        if (sink !== undefined) sink.attach(1, 'out', handle.stdout);
        else handle.stdout.resume();
        handle.stderr.on('data', (chunk: Buffer) => (report += chunk.toString()));
        await closed;
        await sink?.close();
      }
      const { bytes, ms } = JSON.parse(report) as { bytes: number; ms: number };
      return bytes / ms / 1000;
    };
    // Interleaved and best of two, so a burst of load elsewhere on the machine hits both alike.
    const file = await rate('file');
    const pipe = await rate('pipe');
    const sink = await rate('sink');
    const best = { pipe: Math.max(pipe, await rate('pipe')), sink: Math.max(sink, await rate('sink')) };
    t.diagnostic(`MB/s: straight to a file ${file.toFixed(1)}, to Berth's pipe read and thrown away ${best.pipe.toFixed(1)}, through the sink ${best.sink.toFixed(1)}`);
    // Why against the bare pipe and not the file: on a loaded machine the file rate swings by tens of
    // percent run to run (bench/log-throughput.bench.ts measures that ratio); what the sink must not
    // do is slow the child much beyond the pipe it writes to.
    assert.ok(best.sink >= 0.5 * best.pipe, `through the sink ${best.sink.toFixed(1)} MB/s, the bare pipe ${best.pipe.toFixed(1)} MB/s`);
    assert.ok(existsSync(join(dir, 'web.log')));
  });

  it('never blocks a child writing 50 MB flat out while a rotation is stuck, and accounts for every line', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    // A disk whose renames hang until the child has exited: the sink is mid-rotation for most of the
    // run. Were the sink to wait for the rotation before reading on, the pipe would fill and the
    // child would block in write() for ever (the test would time out).
    let childExited = false;
    let renamesWaiting = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const stuckFs: LogFs = {
      ...nodeLogFs,
      async rename(from, to) {
        if (!childExited) {
          renamesWaiting++;
          await released;
        }
        await nodeLogFs.rename(from, to);
      },
    };
    // A long partial-line flush: on a loaded machine the child can be descheduled mid-line for longer than the
    // default, and the sink then (rightly) writes the half line on its own, which would count one line twice here.
    const sink = createLogSink({ dir, service: 'web', fs: stuckFs, maxSize: 1024 * 1024, keep: 1000, partialFlushMs: 60_000 });
    const total = 500_000;
    const run = await runFixture(sink, 1, 'flat-out.mjs', ['count', String(total), '100', '50'], false);
    childExited = true;
    const waitingAtExit = renamesWaiting;
    release();
    await sink.close();
    assert.equal(run.code, 0);
    assert.deepEqual(JSON.parse(run.stderr), { bytes: total * 100, ms: (JSON.parse(run.stderr) as { ms: number }).ms, lines: total });
    assert.ok(waitingAtExit > 0, 'the child ran to its end while a rotation was stuck');
    const files = readdirSync(dir).filter((name) => name.startsWith('web.log'));
    assert.ok(files.length > 1, 'it rotated');
    const out = files.flatMap((name) => readLogFile(join(dir, name))).filter((line) => line.stream === 'out');
    assert.equal(out.length + sink.dropped(), total, 'every line is in a file or counted as dropped');
  });

  it('keeps stdout and stderr apart, each in order, when a child writes both flat out', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', maxSize: 0 });
    const total = 100_000;
    const run = await runFixture(sink, 3, 'both-streams.mjs', [String(total)]);
    await sink.close();
    assert.equal(run.code, 0);
    assert.equal(sink.dropped(), 0);
    const lines = readLogFile(join(dir, 'web.log'));
    for (const stream of ['out', 'err'] as const) {
      const texts = lines.filter((line) => line.stream === stream).map((line) => line.text);
      assert.equal(texts.length, total, `${stream}: every line`);
      texts.forEach((text, index) => {
        const expected = `${stream} ${String(index + 1).padStart(7, '0')} `;
        if (!text.startsWith(expected) || !/^y*$/.test(text.slice(expected.length))) assert.fail(`${stream} line ${String(index + 1)}: ${JSON.stringify(text)}`);
      });
    }
    assert.ok(lines.every((line) => line.instance === 3));
  });
});

function noticedCount(line: LogLine): number {
  return Number(/^(\d+) /.exec(line.text)?.[1] ?? 0);
}
