import assert from 'node:assert/strict';
import { appendFileSync, existsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogSink } from '../../src/logs/create-log-sink.js';
import { followLogs } from '../../src/logs/follow-logs.js';
import { formatTimestamp } from '../../src/logs/format-timestamp.js';
import type { LogLine } from '../../src/logs/log-types.js';
import { openLogTail } from '../../src/logs/tail-log-file.js';
import { runFixture, tempDir, waitFor } from './log-test-helpers.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const numbered = (n: number): string => `line ${String(n).padStart(7, '0')}`;

describe('openLogTail', () => {
  it('follows two rotations between polls without losing or repeating a line', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'web', maxSize: 400, keep: 3 });
    sink.write(1, 'before');
    await sink.close();
    const { tail, backlog } = await openLogTail(dir, 'web', { lines: 5 });
    assert.deepEqual(backlog.map((line) => line.text), ['before']);
    const writer = createLogSink({ dir, service: 'web', maxSize: 400, keep: 3 });
    for (let n = 1; n <= 20; n++) writer.write(1, numbered(n)); // about 2.5 files' worth
    await writer.close();
    const lines = await tail.poll();
    assert.deepEqual(lines.map((line) => line.text), Array.from({ length: 20 }, (_, i) => numbered(i + 1)));
    assert.deepEqual(await tail.poll(), []);
    await tail.close();
  });

  it('starts over when the file is truncated', async () => {
    const dir = tempDir();
    const path = join(dir, 'web.log');
    writeFileSync(path, `${formatTimestamp(T0)} 1 out one\n${formatTimestamp(T0)} 1 out two\n`);
    const { tail } = await openLogTail(dir, 'web', { lines: 0 });
    appendFileSync(path, `${formatTimestamp(T0)} 1 out three\n`);
    assert.deepEqual((await tail.poll()).map((line) => line.text), ['three']);
    truncateSync(path, 0);
    appendFileSync(path, `${formatTimestamp(T0)} 1 out new\n`);
    assert.deepEqual((await tail.poll()).map((line) => line.text), ['new']);
    await tail.close();
  });

  it('waits for the rest of a line being written', async () => {
    const dir = tempDir();
    const path = join(dir, 'web.log');
    const { tail } = await openLogTail(dir, 'web', {});
    writeFileSync(path, `${formatTimestamp(T0)} 1 out hal`);
    assert.deepEqual(await tail.poll(), []);
    appendFileSync(path, 'f\n');
    assert.deepEqual((await tail.poll()).map((line) => line.text), ['half']);
    await tail.close();
  });
});

describe('followLogs', () => {
  it('delivers the backlog, then every new line from a real child, across rotations, until stopped', async (t) => {
    const dir = tempDir();
    const before = createLogSink({ dir, service: 'web' });
    for (let n = 1; n <= 5; n++) before.write(1, `old ${n}`);
    await before.close();
    const seen: LogLine[] = [];
    const follower = followLogs({ dir, services: ['web'], lines: 2, pollMs: 20, onLine: (line) => seen.push(line) });
    t.after(() => follower.stop());
    await follower.ready;
    assert.deepEqual(seen.map((line) => line.text), ['old 4', 'old 5']);
    // Lines of about 60 bytes in 4 KiB files: a rotation every 65 lines, nine while following.
    const sink = createLogSink({ dir, service: 'web', maxSize: 4096, keep: 4 });
    const total = 600;
    for (let start = 0; start < total; start += 100) {
      await runFixture(sink, 1, 'flat-out.mjs', ['count', '100', '30', '10'], false);
      await sleep(15);
    }
    await sink.close();
    assert.ok(existsSync(join(dir, 'web.log.4')), 'it did rotate, more than once');
    const expected = total + 2;
    await waitFor(() => seen.length >= expected, 5000, `${expected} lines`);
    const texts = seen.slice(2).map((line) => line.text.slice(0, 12));
    assert.deepEqual(texts, Array.from({ length: total }, (_, i) => numbered((i % 100) + 1)));
    await follower.stop();
    const after = createLogSink({ dir, service: 'web' });
    after.write(1, 'after stop');
    await after.close();
    await sleep(60);
    assert.equal(seen.length, expected, 'nothing after stop()');
  });

  it('merges services, and picks up a service whose file appears later when none are named', async (t) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log'), `${formatTimestamp(T0)} 1 out w0\n`);
    const seen: string[] = [];
    const follower = followLogs({ dir, since: T0, pollMs: 20, onLine: (line) => seen.push(`${line.service}:${line.text}`) });
    t.after(() => follower.stop());
    await follower.ready;
    assert.deepEqual(seen, ['web:w0']);
    const worker = createLogSink({ dir, service: 'worker' });
    worker.write(1, 'k1');
    await worker.close();
    await waitFor(() => seen.length === 2, 3000, 'the new service');
    appendFileSync(join(dir, 'web.log'), `${formatTimestamp(Date.now())} 1 out w1\n`);
    await waitFor(() => seen.length === 3, 3000, 'the next web line');
    assert.deepEqual(seen, ['web:w0', 'worker:k1', 'web:w1']);
    await follower.stop();
  });

  it('goes on when onLine throws', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log'), `${formatTimestamp(T0)} 1 out a\n${formatTimestamp(T0)} 1 out b\n`);
    const errors: unknown[] = [];
    const seen: string[] = [];
    const follower = followLogs({
      dir,
      services: ['web'],
      onLine: (line) => {
        seen.push(line.text);
        if (line.text === 'a') throw new Error('consumer bug');
      },
      onError: (error) => errors.push(error),
    });
    await follower.ready;
    await follower.stop();
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(errors.length, 1);
  });
});
