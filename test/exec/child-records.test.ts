import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setChildRecordDir } from '../../src/exec/child-records.js';
import { isProcessAlive, listGroupMembers } from '../../src/exec/proc-stat.js';
import { readProcessRecords, reapLeftovers } from '../../src/exec/process-records.js';
import { runCommand } from '../../src/exec/run-command.js';
import { writeFiles } from '../helpers/temp-stack.js';

describe('child records', () => {
  it('a command the daemon runs is recorded while it runs and forgotten when it ends', async () => {
    const dir = writeFiles({});
    setChildRecordDir(dir);
    try {
      const running = runCommand({ argv: ['sh', '-c', 'sleep 0.5'], timeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const records = readProcessRecords(dir);
      assert.equal(records.length, 1);
      assert.match(records[0]?.service ?? '', /^sh-\d+$/);
      assert.equal((await running).code, 0);
      assert.deepEqual(readdirSync(dir), [], 'the record went with the command');
    } finally {
      setChildRecordDir(null);
    }
  });

  it('what a killed daemon left running is reaped by the next one, grandchildren included', async () => {
    const dir = writeFiles({});
    setChildRecordDir(dir);
    const abort = new AbortController();
    try {
      // A command whose own child ignores SIGTERM, as a backup tool's helper might.
      const running = runCommand({ argv: ['sh', '-c', 'trap "" TERM; sleep 30 & wait'], timeoutMs: 60_000, signal: abort.signal });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [record] = readProcessRecords(dir);
      assert.ok(record !== undefined);
      // The daemon "dies": nothing forgets the record. The next daemon reaps what is recorded.
      const reaped = await reapLeftovers(dir);
      assert.deepEqual(reaped.map((r) => r.pgid), [record.pgid]);
      assert.equal(isProcessAlive(record.pid), false);
      assert.deepEqual(listGroupMembers(record.pgid), [], 'the SIGTERM-proof grandchild went too');
      await running;
    } finally {
      abort.abort();
      setChildRecordDir(null);
    }
  });

});
