import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatEventQuery, parseEventQuery } from '../../src/state/event-query.js';
import { EventStore, type NewEvent } from '../../src/state/event-store.js';
import { openStateDb, type StateDb } from '../../src/state/open-state-db.js';
import { writeFiles } from '../helpers/temp-stack.js';

function openTemp(): { db: StateDb; file: string } {
  const file = join(writeFiles({}), 'state.db');
  return { db: openStateDb(file), file };
}

const DAY = 24 * 60 * 60 * 1000;

describe('EventStore', () => {
  it('appends events and lists the newest N that match, oldest first, payloads as objects', () => {
    const { db } = openTemp();
    const store = new EventStore(db);
    const events: NewEvent[] = [
      { time: 1000, type: 'daemon_started', payload: { pid: 1 } },
      { time: 2000, type: 'state', service: 'api', instance: 1, payload: { phase: 'running' } },
      { time: 3000, type: 'state', service: 'web', instance: 2, payload: { phase: 'running' } },
      { time: 4000, type: 'crash_loop', service: 'api', instance: 1, payload: { restarts: 5, reason: 'exited with code 1' } },
      { time: 5000, type: 'state', service: 'api', instance: 1, payload: { phase: 'backoff' } },
    ];
    const ids = events.map((e) => store.append(e));
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    assert.deepEqual(store.list()[0], { id: 1, time: 1000, type: 'daemon_started', service: null, instance: null, payload: { pid: 1 } });
    assert.deepEqual(store.list({ service: 'api' }).map((e) => e.id), [2, 4, 5]);
    assert.deepEqual(store.list({ types: ['crash_loop', 'daemon_started'] }).map((e) => e.id), [1, 4]);
    assert.deepEqual(store.list({ since: 3000 }).map((e) => e.id), [3, 4, 5]);
    assert.deepEqual(store.list({ limit: 2 }).map((e) => e.id), [4, 5], 'the newest two, oldest first');
    assert.deepEqual(store.list({ service: 'api', types: ['state'], limit: 1 }).map((e) => e.id), [5]);
    assert.deepEqual(store.list({ afterId: 3 }).map((e) => e.id), [4, 5]);
    assert.deepEqual(store.list({ limit: 0 }), []);
    assert.equal(store.count(), 5);
    db.close();
  });

  it('prunes to the newest maxEvents and drops events older than maxAge; ids are never reused', () => {
    const { db } = openTemp();
    const now = 100 * DAY;
    const store = new EventStore(db, { retention: { maxEvents: 10, maxAgeMs: 30 * DAY }, pruneEvery: 1_000_000, now: () => now });
    for (let i = 0; i < 5; i += 1) store.append({ time: now - 40 * DAY + i, type: 'old' });
    for (let i = 0; i < 20; i += 1) store.append({ time: now - DAY + i, type: 'recent' });
    assert.equal(store.count(), 25);
    assert.equal(store.prune(), 15);
    const left = store.list({ limit: 100 });
    assert.equal(left.length, 10);
    assert.deepEqual(left.map((e) => e.id), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    assert.ok(left.every((e) => e.type === 'recent'));
    assert.equal(store.append({ time: now, type: 'next' }), 26, 'AUTOINCREMENT: a pruned id is not handed out again');
    assert.equal(store.prune(), 1);
    db.close();
  });

  it('prunes by itself every pruneEvery appends, so the file stays bounded however long it runs', () => {
    const { db, file } = openTemp();
    const store = new EventStore(db, { retention: { maxEvents: 500, maxAgeMs: 30 * DAY }, pruneEvery: 100 });
    const payload = { reason: 'x'.repeat(200) };
    const sizeAfter = (n: number): number => {
      for (let i = 0; i < n; i += 1) store.append({ time: Date.now(), type: 'state', service: 'api', instance: 1, payload });
      db.pragma('wal_checkpoint(TRUNCATE)');
      return statSync(file).size;
    };
    const first = sizeAfter(2000);
    assert.ok(store.count() <= 600, `at most maxEvents + pruneEvery events kept, not ${String(store.count())}`);
    const later = sizeAfter(10_000);
    assert.ok(store.count() <= 600);
    // Freed pages are reused: ten times the events, not ten times the file.
    assert.ok(later <= first * 1.5, `the file grew from ${String(first)} to ${String(later)} bytes`);
    db.close();
  });

  it('round-trips filters through the API query string and rejects bad values', () => {
    const filter = { since: 1_700_000_000_000, service: 'api', types: ['state', 'crash_loop'], limit: 20, afterId: 7 };
    const query = formatEventQuery(filter);
    assert.equal(query, '?since=1700000000000&after=7&service=api&type=state%2Ccrash_loop&limit=20');
    assert.deepEqual(parseEventQuery(new URLSearchParams(query.slice(1))), { ok: true, filter });
    assert.equal(formatEventQuery({}), '');
    assert.deepEqual(parseEventQuery(new URLSearchParams('')), { ok: true, filter: { limit: 100 } });
    const iso = parseEventQuery(new URLSearchParams('since=2026-01-02T03:04:05Z'));
    assert.ok(iso.ok && iso.filter.since === Date.parse('2026-01-02T03:04:05Z'));
    for (const bad of ['since=yesterday', 'limit=-1', 'limit=ten', 'limit=100001', 'after=x']) {
      const parsed = parseEventQuery(new URLSearchParams(bad));
      assert.equal(parsed.ok, false, bad);
    }
  });
});
