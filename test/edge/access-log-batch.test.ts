import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessEntry } from '../../src/edge/access-record.js';
import { createAccessLogBatch, formatAccessLine } from '../../src/edge/access-log-batch.js';
import { accessLogName } from '../../src/edge/access-log-files.js';

const entry = (routeId: string | null, path = '/x'): AccessEntry => ({
  time: Date.UTC(2025, 0, 2, 3, 4, 5, 678), method: 'POST', path, status: 201, bytes: 321, durationMs: 12.3456, upstream: '127.0.0.1:3000', routeId, clientIp: '10.0.0.1',
});

describe('access log lines', () => {
  it('formats one JSON line with the documented fields', () => {
    assert.equal(formatAccessLine(entry('web#0')),
      '{"time":"2025-01-02T03:04:05.678Z","method":"POST","path":"/x","status":201,"bytes":321,"duration_ms":12.3,"upstream":"127.0.0.1:3000","client":"10.0.0.1"}\n');
  });

  it('names files by route id', () => {
    assert.equal(accessLogName('web#0'), 'web.0.access.log');
    assert.equal(accessLogName('api-v2#3'), 'api-v2.3.access.log');
    assert.equal(accessLogName(''), 'unrouted.access.log');
    assert.equal(accessLogName('../x#1'), '_.._x.1.access.log');
  });

  it('batches by route, sending at 500 lines or after the flush time', async () => {
    const batches: Record<string, string>[] = [];
    const batch = createAccessLogBatch({ send: (lines, done) => { batches.push(lines); done(); return true; }, flushMs: 20, maxLines: 3 });
    batch.add(entry('web#0', '/1'));
    batch.add(entry(null, '/2'));
    assert.equal(batches.length, 0);
    batch.add(entry('web#0', '/3'));
    assert.equal(batches.length, 1);
    assert.deepEqual(Object.keys(batches[0] ?? {}).sort(), ['', 'web#0']);
    assert.equal(batches[0]?.['web#0']?.split('\n').length, 3);
    batch.add(entry('api#0', '/4'));
    await sleep(60);
    assert.equal(batches.length, 2);
    assert.match(batches[1]?.['api#0'] ?? '', /"path":"\/4"/);
    await batch.flush();
    assert.equal(batches.length, 2, 'nothing left to send');
  });

  it('holds lines while the channel is backed up, drops beyond the bound, and says how many', async () => {
    const dones: (() => void)[] = [];
    const sent: Record<string, string>[] = [];
    const drops: number[] = [];
    const batch = createAccessLogBatch({
      send: (lines, done) => { sent.push(lines); dones.push(done); return false; },
      flushMs: 5, maxLines: 2, maxHeldLines: 4, onDrop: (count) => { drops.push(count); },
    });
    for (let i = 0; i < 2; i++) batch.add(entry('web#0'));
    assert.equal(sent.length, 1); // backed up from now on
    for (let i = 0; i < 10; i++) batch.add(entry('web#0'));
    await sleep(30);
    assert.equal(sent.length, 1, 'nothing more is sent until the channel takes the first batch');
    dones[0]?.();
    await sleep(30);
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.['web#0']?.split('\n').filter((line) => line !== '').length, 4);
    batch.add(entry('web#0'));
    assert.deepEqual(drops, [6]);
  });
});
