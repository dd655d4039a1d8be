import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isOurGroup, readProcessRecords, reapLeftovers, writeProcessRecord } from '../../src/exec/process-records.js';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import { spawnProcess } from '../../src/exec/spawn-process.js';
import { writeFiles } from '../helpers/temp-stack.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

describe('process records', () => {
  it('lets a new daemon reap the groups a dead one left, grandchildren included', async () => {
    const runDir = join(writeFiles({}), 'run');
    const handle = spawnProcess({ command: { argv: [process.execPath, join(fixtures, 'stubborn-tree.mjs')] }, cwd: '/', env: {} });
    await new Promise((r) => setTimeout(r, 300));
    writeProcessRecord(runDir, { service: 'web', instance: 1, pid: handle.pid, pgid: handle.pgid, startTime: handle.startTime });
    assert.equal(listGroupMembers(handle.pgid).length, 2);
    const reaped = await reapLeftovers(runDir, 200);
    assert.deepEqual(reaped.map((r) => r.service), ['web']);
    assert.deepEqual(listGroupMembers(handle.pgid), []);
    assert.deepEqual(readProcessRecords(runDir), [], 'records are cleared');
  });

  it('never touches a group whose leader pid now belongs to another process', async () => {
    const runDir = join(writeFiles({}), 'run');
    const handle = spawnProcess({ command: { shell: 'sleep 5' }, cwd: '/', env: { PATH: process.env.PATH ?? '' } });
    await new Promise((r) => setTimeout(r, 50));
    const record = { service: 'web', instance: 1, pid: handle.pid, pgid: handle.pgid, startTime: handle.startTime + 1 };
    assert.equal(isOurGroup(record), false, 'a different start time means pid reuse');
    writeProcessRecord(runDir, record);
    assert.deepEqual(await reapLeftovers(runDir, 200), []);
    assert.ok(listGroupMembers(handle.pgid).length > 0, 'the unrelated process still runs');
    process.kill(-handle.pgid, 'SIGKILL');
  });
});
