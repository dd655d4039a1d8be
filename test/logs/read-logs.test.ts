import assert from 'node:assert/strict';
import { open, type FileHandle } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatTimestamp } from '../../src/logs/format-timestamp.js';
import { parseLogLine } from '../../src/logs/parse-log-line.js';
import { parseSince } from '../../src/logs/parse-since.js';
import { readLinesBackward } from '../../src/logs/read-lines-backward.js';
import { readLogs } from '../../src/logs/read-logs.js';
import { createLogSink } from '../../src/logs/create-log-sink.js';
import { tempDir } from './log-test-helpers.js';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');

/** File lines for `entries` of [seconds after T0, text]. */
function logText(entries: readonly (readonly [number, string])[], instance = 1): string {
  return entries.map(([seconds, text]) => `${formatTimestamp(T0 + seconds * 1000)} ${instance} out ${text}\n`).join('');
}

const labelled = (lines: readonly { service: string; text: string }[]): string[] => lines.map((line) => `${line.service}:${line.text}`);

describe('parseLogLine', () => {
  it('reads back what the sink writes, spaces in the text included', () => {
    assert.deepEqual(parseLogLine('web', '2026-03-01T10:00:00.123Z 12 err  two  spaces '), { service: 'web', instance: 12, stream: 'err', time: T0 + 123, text: ' two  spaces ' });
    assert.deepEqual(parseLogLine('web', '2026-03-01T10:00:00.000Z 0 berth '), { service: 'web', instance: 0, stream: 'berth', time: T0, text: '' });
  });

  it('refuses lines that are not in the format', () => {
    for (const line of ['', 'hello', '2026-03-01T10:00:00.000Z 1 out', 'yesterday 1 out x', '2026-03-01T10:00:00.000Z x out y', '2026-03-01T10:00:00.000Z 1 debug y']) {
      assert.equal(parseLogLine('web', line), undefined, line);
    }
  });
});

describe('parseSince', () => {
  it('takes a duration back from now, or an ISO time', () => {
    assert.equal(parseSince('10m', T0), T0 - 600_000);
    assert.equal(parseSince('1.5h', T0), T0 - 5_400_000);
    assert.equal(parseSince('2026-03-01T09:00:00Z', T0), T0 - 3_600_000);
    assert.equal(parseSince('2026-03-01T11:00:00+02:00', T0), T0 - 3_600_000);
    assert.equal(parseSince('2026-03-01', T0), Date.parse('2026-03-01'));
  });

  it('refuses anything else', () => {
    for (const text of ['', 'yesterday', '10', '10 minutes', 'March 1', '2026-13-45']) assert.equal(parseSince(text, T0), undefined, text);
  });
});

describe('readLogs', () => {
  it('returns the last N lines across the current and rotated files, oldest first', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log.2'), logText([[1, 'a'], [2, 'b'], [3, 'c']]));
    writeFileSync(join(dir, 'web.log.1'), logText([[4, 'd'], [5, 'e']]));
    writeFileSync(join(dir, 'web.log'), logText([[6, 'f'], [7, 'g']]));
    assert.deepEqual(labelled(await readLogs({ dir, services: ['web'], lines: 4 })), ['web:d', 'web:e', 'web:f', 'web:g']);
    assert.deepEqual((await readLogs({ dir, services: ['web'], lines: 6 })).map((line) => line.text).join(''), 'bcdefg');
    assert.equal((await readLogs({ dir, services: ['web'] })).length, 7);
    assert.deepEqual(await readLogs({ dir, services: ['web'], lines: 0 }), []);
  });

  it('merges two services by time, with -n and --since', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'web.log.1'), logText([[1, 'w1'], [3, 'w3']]));
    writeFileSync(join(dir, 'web.log'), logText([[5, 'w5'], [6, 'w6a'], [6, 'w6b'], [9, 'w9']]));
    writeFileSync(join(dir, 'worker.log'), logText([[2, 'k2'], [4, 'k4'], [6, 'k6'], [8, 'k8']], 2));
    assert.deepEqual(labelled(await readLogs({ dir, services: ['web', 'worker'], lines: 5 })), ['web:w6a', 'web:w6b', 'worker:k6', 'worker:k8', 'web:w9']);
    assert.deepEqual(labelled(await readLogs({ dir, services: ['worker', 'web'], since: T0 + 3000 })), ['web:w3', 'worker:k4', 'web:w5', 'worker:k6', 'web:w6a', 'web:w6b', 'worker:k8', 'web:w9']);
    assert.deepEqual(labelled(await readLogs({ dir, services: ['web', 'worker'], since: T0 + 3000, lines: 2 })), ['worker:k8', 'web:w9']);
    assert.deepEqual(labelled(await readLogs({ dir, lines: 3 })), ['worker:k6', 'worker:k8', 'web:w9'], 'every service when none is named');
    assert.deepEqual(await readLogs({ dir, services: ['nope'] }), []);
    assert.deepEqual(await readLogs({ dir: join(dir, 'missing') }), []);
  });

  it('reads what a sink wrote, and skips an unfinished last line', async () => {
    const dir = tempDir();
    const sink = createLogSink({ dir, service: 'api' });
    sink.write(1, 'first\nsecond');
    await sink.close();
    writeFileSync(join(dir, 'api.log'), `${formatTimestamp(T0)} 1 out half-writ`, { flag: 'a' });
    assert.deepEqual((await readLogs({ dir, services: ['api'] })).map((line) => `${line.instance} ${line.stream} ${line.text}`), ['1 berth first', '1 berth second']);
  });

  it('reads only the end of a large file for -n 20', async () => {
    const dir = tempDir();
    const line = `${formatTimestamp(T0)} 1 out ${'x'.repeat(70)}\n`;
    writeFileSync(join(dir, 'big.log'), line.repeat(200_000)); // 20 MB
    const file = await open(join(dir, 'big.log'), 'r');
    let bytesRead = 0;
    const counting = {
      read: async (buffer: Buffer, offset: number, length: number, position: number) => {
        const result = await file.read(buffer, offset, length, position);
        bytesRead += result.bytesRead;
        return result;
      },
    } as unknown as FileHandle;
    const lines: string[] = [];
    const { size } = await file.stat();
    await readLinesBackward(counting, size, (raw) => lines.push(raw.toString()) < 20);
    await file.close();
    assert.equal(lines.length, 20);
    assert.ok(bytesRead <= 64 * 1024, `read ${bytesRead} bytes`);
    const started = Date.now();
    assert.equal((await readLogs({ dir, services: ['big'], lines: 20 })).length, 20);
    assert.ok(Date.now() - started < 1000);
  });

  it('reads lines that span its read blocks, and a first line without anything before it', async () => {
    const dir = tempDir();
    const texts = Array.from({ length: 40 }, (_, i) => `${i}:${'y'.repeat((i * 7919) % 9000)}`);
    writeFileSync(join(dir, 'web.log'), texts.map((text, i) => `${formatTimestamp(T0 + i)} 1 out ${text}\n`).join(''));
    assert.deepEqual((await readLogs({ dir, services: ['web'] })).map((line) => line.text), texts);
  });
});
