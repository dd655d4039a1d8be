import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspectRedisDataDir, isRedisDataFile } from '../../src/recipes/redis-data-dir.js';
import { writeFiles } from '../helpers/temp-stack.js';

describe('inspectRedisDataDir', () => {
  it('tells a missing folder from an empty one', () => {
    const dir = writeFiles({});
    mkdirSync(join(dir, 'empty'));
    assert.deepEqual(inspectRedisDataDir(join(dir, 'nothing')), { kind: 'absent' });
    assert.deepEqual(inspectRedisDataDir(join(dir, 'empty')), { kind: 'empty' });
  });

  it('accepts the files Redis writes: snapshot, AOF (file or folder) and temp files of a save or rewrite', () => {
    const dir = writeFiles({ 'dump.rdb': 'x', 'appendonly.aof': 'x', 'appendonlydir/appendonly.aof.1.base.rdb': 'x', 'temp-1234.rdb': 'x', 'temp-rewriteaof-bg-99.aof': 'x' });
    assert.deepEqual(inspectRedisDataDir(dir), { kind: 'redis' });
  });

  it('calls a folder with anything else foreign, naming what it found', () => {
    const dir = writeFiles({ 'dump.rdb': 'x', 'notes.txt': 'mine', 'PG_VERSION': '15' });
    const state = inspectRedisDataDir(dir);
    assert.deepEqual(state, { kind: 'foreign', reason: 'it holds `PG_VERSION`, `notes.txt`, which Redis did not write' });
    assert.equal(inspectRedisDataDir(join(dir, 'dump.rdb')).kind, 'foreign', 'a file is not a folder');
  });

  it('matches names exactly', () => {
    for (const name of ['dump.rdb.bak', 'my-dump.rdb', 'temp-.rdb', 'appendonly.aof.old']) assert.equal(isRedisDataFile(name), false, name);
  });
});
