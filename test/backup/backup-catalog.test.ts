import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BackupCatalog, failInterrupted, INTERRUPTED_REASON, manifestPath } from '../../src/backup/backup-catalog.js';
import type { BackupRecord } from '../../src/backup/backup-types.js';
import { openStateDb, stateDbPath, type StateDb } from '../../src/state/open-state-db.js';
import { writeFiles } from '../helpers/temp-stack.js';

function openCatalog(): { db: StateDb; catalog: BackupCatalog; file: string } {
  const file = stateDbPath(join(writeFiles({}), '.berth'));
  const db = openStateDb(file);
  return { db, catalog: new BackupCatalog(db), file };
}

function record(patch: Partial<BackupRecord> & Pick<BackupRecord, 'id'>): BackupRecord {
  return {
    service: 'db',
    kind: 'postgres',
    state: 'verified',
    trigger: 'schedule',
    startedAt: 1_000,
    finishedAt: 2_000,
    file: `/srv/app/.berth/backups/db/${patch.id}.dump`,
    size: 1234,
    sha256: 'a'.repeat(64),
    serverVersion: 'PostgreSQL 15.18',
    encrypted: false,
    verification: { kind: 'postgres', ok: true, tables: 3, rows: 42, mismatches: [], ms: 812 },
    reason: null,
    offsite: null,
    ...patch,
  };
}

describe('BackupCatalog', () => {
  it('round-trips every field of a record through state.db, verification and off-site copy included', () => {
    const { db, catalog, file } = openCatalog();
    const full = record({
      id: 'db-20260101T030000Z',
      encrypted: true,
      offsite: { remote: 'b2:berth/db', state: 'copied', checked: true, reason: null, at: 3_000 },
    });
    const redis = record({
      id: 'cache-20260101T030000Z',
      service: 'cache',
      kind: 'redis',
      state: 'failed',
      trigger: 'manual',
      finishedAt: null,
      size: null,
      sha256: null,
      serverVersion: null,
      verification: { kind: 'redis', ok: false, keys: 10, loadedKeys: null, ms: 5, detail: 'redis-check-rdb: CRC error' },
      reason: 'verification failed: redis-check-rdb: CRC error',
    });
    const files = record({ id: 'uploads-20260101T030000Z', service: 'uploads', kind: 'files', verification: { kind: 'files', ok: true, files: 3, bytes: 99, mismatches: [], ms: 1 } });
    for (const r of [full, redis, files]) catalog.save(r);
    assert.deepEqual(catalog.get(full.id), full);
    assert.deepEqual(catalog.get(redis.id), redis);
    assert.deepEqual(catalog.get(files.id), files);
    assert.equal(catalog.get('nope'), null);
    db.close();
    // A second connection (the CLI reading while the daemon writes) sees the same.
    const again = openStateDb(file);
    assert.deepEqual(new BackupCatalog(again).get(full.id), full);
    again.close();
  });

  it('save is an upsert: a backup goes running → verified in one row', () => {
    const { db, catalog } = openCatalog();
    const running = record({ id: 'db-1', state: 'running', finishedAt: null, size: null, sha256: null, verification: null });
    catalog.save(running);
    assert.equal(catalog.get('db-1')?.state, 'running');
    const verified = record({ id: 'db-1' });
    catalog.save(verified);
    assert.deepEqual(catalog.list(), [verified]);
    db.close();
  });

  it('lists newest first, by service, state and limit; newestVerified and lastStarted per service', () => {
    const { db, catalog } = openCatalog();
    const rows = [
      record({ id: 'db-a', startedAt: 100 }),
      record({ id: 'db-c', startedAt: 300, state: 'failed', reason: 'pg_dump exited 1' }),
      record({ id: 'db-b', startedAt: 200 }),
      record({ id: 'db-d', startedAt: 400, state: 'running', finishedAt: null }),
      record({ id: 'cache-a', service: 'cache', kind: 'redis', startedAt: 250 }),
      // Two started in the same millisecond: the one saved later is newer.
      record({ id: 'cache-b', service: 'cache', kind: 'redis', startedAt: 250 }),
    ];
    for (const r of rows) catalog.save(r);
    const ids = (list: BackupRecord[]): string[] => list.map((r) => r.id);
    assert.deepEqual(ids(catalog.list()), ['db-d', 'db-c', 'cache-b', 'cache-a', 'db-b', 'db-a']);
    assert.deepEqual(ids(catalog.list({ service: 'db' })), ['db-d', 'db-c', 'db-b', 'db-a']);
    assert.deepEqual(ids(catalog.list({ service: 'db', limit: 2 })), ['db-d', 'db-c']);
    assert.deepEqual(ids(catalog.list({ limit: 0 })), []);
    assert.deepEqual(ids(catalog.list({ state: 'verified' })), ['cache-b', 'cache-a', 'db-b', 'db-a']);
    assert.deepEqual(ids(catalog.list({ service: 'nobody' })), []);
    assert.equal(catalog.newestVerified('db')?.id, 'db-b');
    assert.equal(catalog.lastStarted('db')?.id, 'db-d');
    assert.equal(catalog.newestVerified('cache')?.id, 'cache-b');
    assert.equal(catalog.newestVerified('nobody'), null);
    assert.equal(catalog.lastStarted('nobody'), null);
    catalog.remove('db-b');
    catalog.remove('db-b');
    assert.equal(catalog.newestVerified('db')?.id, 'db-a');
    assert.equal(catalog.get('db-b'), null);
    db.close();
  });

  it('refuses a kind or state outside the contract (CHECK constraints)', () => {
    const { db, catalog } = openCatalog();
    assert.throws(() => {
      catalog.save(record({ id: 'x', state: 'ok' as never }));
    }, /CHECK constraint/);
    assert.throws(() => {
      catalog.save(record({ id: 'y', kind: 'mysql' as never }));
    }, /CHECK constraint/);
    assert.deepEqual(catalog.list(), []);
    db.close();
  });

  it('failInterrupted marks every running backup failed, finished now, with the reason, and leaves the others', () => {
    const { db, catalog } = openCatalog();
    catalog.save(record({ id: 'db-1', startedAt: 100 }));
    catalog.save(record({ id: 'db-2', startedAt: 200, state: 'running', finishedAt: null, size: null, sha256: null, verification: null }));
    catalog.save(record({ id: 'cache-1', service: 'cache', kind: 'redis', startedAt: 150, state: 'running', finishedAt: null, verification: null }));
    catalog.save(record({ id: 'db-0', startedAt: 50, state: 'failed', finishedAt: 60, reason: 'pg_dump exited 1' }));
    const failed = failInterrupted(catalog, 9_999);
    assert.deepEqual(failed.map((r) => r.id), ['db-2', 'cache-1']);
    for (const r of failed) {
      assert.deepEqual(catalog.get(r.id), r);
      assert.equal(r.state, 'failed');
      assert.equal(r.finishedAt, 9_999);
      assert.equal(r.reason, INTERRUPTED_REASON);
    }
    assert.equal(INTERRUPTED_REASON, 'interrupted: the daemon stopped during the backup');
    assert.deepEqual(catalog.get('db-1')?.state, 'verified');
    assert.deepEqual(catalog.get('db-0')?.reason, 'pg_dump exited 1');
    assert.equal(catalog.lastStarted('db')?.state, 'failed');
    assert.equal(catalog.newestVerified('db')?.id, 'db-1');
    assert.deepEqual(failInterrupted(catalog, 10_000), []);
    db.close();
  });

  it('names the manifest beside the file', () => {
    assert.equal(manifestPath('/x/.berth/backups/db/db-1.dump'), '/x/.berth/backups/db/db-1.dump.manifest.json');
  });
});
