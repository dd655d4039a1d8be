import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startScratchRedis } from '../../src/backup/scratch-redis.js';
import { setChildRecordDir } from '../../src/exec/child-records.js';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import { readProcessRecords, reapLeftovers } from '../../src/exec/process-records.js';
import { writeFiles } from '../helpers/temp-stack.js';

describe('startScratchRedis', () => {
  it('records the scratch server while it runs, so a daemon killed mid-verification leaves nothing for long', async () => {
    const runDir = writeFiles({});
    const dataDir = writeFiles({});
    setChildRecordDir(runDir);
    try {
      const first = await startScratchRedis({ binDir: null, dir: dataDir, dbfilename: 'none.rdb', timeoutMs: 20_000 });
      assert.equal(await first.send(['DBSIZE']), 0);
      const [record] = readProcessRecords(runDir);
      assert.match(record?.service ?? '', /^scratch-redis-\d+$/);
      await first.stop();
      assert.deepEqual(readdirSync(runDir), [], 'a stopped scratch server leaves no record');

      const second = await startScratchRedis({ binDir: null, dir: dataDir, dbfilename: 'none.rdb', timeoutMs: 20_000 });
      const [left] = readProcessRecords(runDir);
      assert.ok(left !== undefined);
      // The daemon dies here; the next one reaps the server.
      await reapLeftovers(runDir);
      assert.deepEqual(listGroupMembers(left.pgid), [], 'the scratch redis-server is gone');
      await second.stop();
    } finally {
      setChildRecordDir(null);
    }
  });
});
