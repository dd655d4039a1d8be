import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createFileLogger, createLogger, createStreamLogger, isLogLevel } from '../../src/shared/logger.js';
import { writeFiles } from '../helpers/temp-stack.js';

describe('logger', () => {
  it('writes one JSON object a line with time, level, message and fields; drops lines below its level', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), level: 'info', now: () => Date.UTC(2026, 0, 2, 3, 4, 5), fields: { component: 'daemon' } });
    logger.debug('hidden');
    logger.info('started', { pid: 42 });
    logger.child({ service: 'api' }).error('failed', { error: Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' }) });
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
    assert.deepEqual(JSON.parse(lines[0]!), { time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'started', component: 'daemon', pid: 42 });
    assert.deepEqual(JSON.parse(lines[1]!), { time: '2026-01-02T03:04:05.000Z', level: 'error', msg: 'failed', component: 'daemon', service: 'api', error: { name: 'Error', message: 'disk full', code: 'SQLITE_FULL' } });
  });

  it('never throws: a failing writer and unserialisable fields are swallowed', () => {
    const throwing = createLogger({ write: () => {
      throw new Error('EPIPE');
    } });
    assert.doesNotThrow(() => {
      throwing.error('lost');
    });
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createLogger({ write: (l) => lines.push(l) }).warn('odd', { cyclic, big: 10n });
    assert.equal((JSON.parse(lines[0]!) as { note: string }).note, 'fields could not be serialised');
  });

  it('appends to a 0600 file in a folder it creates, and writes to streams', () => {
    const file = join(writeFiles({}), 'deep', 'daemon.log');
    const logger = createFileLogger(file, 'debug');
    logger.debug('one');
    logger.info('two');
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), ['one', 'two']);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stream = new PassThrough();
    createStreamLogger(stream).warn('to a stream');
    assert.match(String(stream.read()), /"msg":"to a stream"/);
    assert.ok(isLogLevel('warn') && !isLogLevel('verbose') && !isLogLevel(undefined));
  });
});
