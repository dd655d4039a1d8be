import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listBackupServices, makeBackupId, resolveBackupSource } from '../../src/daemon/backup-sources.js';
import { listDependents } from '../../src/daemon/list-dependents.js';
import { loadText } from '../helpers/temp-stack.js';

const stack = () => {
  const loaded = loadText(`services:
  db: { recipe: postgres, data: ./data/db }
  cache: { recipe: redis, data: ./data/cache }
  api: { command: ./api, depends_on: [db, cache] }
  worker: { command: ./worker, depends_on: { api: started } }
  uploads: { command: ./web, backup: { paths: [uploads] } }
  other: { command: ./other }
`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.stack;
};

describe('backup sources', () => {
  it('lists recipes and services with backup.paths as backupable', () => {
    assert.deepEqual(listBackupServices(stack()), ['db', 'cache', 'uploads']);
  });

  it('finds the dependents of a service through others, in stack order, and none of the unrelated', () => {
    const s = stack();
    assert.deepEqual(listDependents(s, 'db'), ['api', 'worker']);
    assert.deepEqual(listDependents(s, 'api'), ['worker']);
    assert.deepEqual(listDependents(s, 'uploads'), []);
  });

  it('names backups by service and UTC second, with a suffix when the second is taken', () => {
    const now = Date.parse('2026-11-22T17:30:05.123Z');
    assert.equal(makeBackupId('db', now, () => false), 'db-20261122T173005Z');
    const taken = new Set(['db-20261122T173005Z', 'db-20261122T173005Z-2']);
    assert.equal(makeBackupId('db', now, (id) => taken.has(id)), 'db-20261122T173005Z-3');
  });

  it('says why there is no source: a database Berth never initialised, a service not running, nothing to archive', () => {
    const s = stack();
    const db = resolveBackupSource(s, s.services.db ?? assert.fail(), '/nonexistent/.berth', 5432, process.env.PATH);
    assert.match(db.ok ? '' : db.reason, /no superuser password for db/);
    const cache = resolveBackupSource(s, s.services.cache ?? assert.fail(), '/x', null, process.env.PATH);
    assert.match(cache.ok ? '' : cache.reason, /has no port: is it running\?/);
    const other = resolveBackupSource(s, s.services.other ?? assert.fail(), '/x', null, process.env.PATH);
    assert.match(other.ok ? '' : other.reason, /no `backup.paths`/);
    const files = resolveBackupSource(s, s.services.uploads ?? assert.fail(), '/x', null, process.env.PATH);
    assert.deepEqual(files, { ok: true, source: { kind: 'files', root: s.root, paths: ['uploads'] } });
  });
});
