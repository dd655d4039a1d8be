import assert from 'node:assert/strict';
import { statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fifoPoolDir, takeFifo } from '../../src/exec/fifo-pool.js';

describe('takeFifo', () => {
  it('hands out distinct FIFOs, 0600, in one 0700 folder of this process, across refills', async () => {
    const taken = new Set<string>();
    // More than two batches, with pauses so the background refill runs between some of them.
    for (let round = 0; round < 5; round++) {
      for (let index = 0; index < 10; index++) {
        const path = takeFifo();
        assert.ok(path !== undefined, 'mkfifo is available here');
        assert.ok(!taken.has(path), `${path} handed out twice`);
        taken.add(path);
        const stat = statSync(path);
        assert.ok(stat.isFIFO());
        assert.equal(stat.mode & 0o777, 0o600);
        unlinkSync(path);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const dir = fifoPoolDir();
    assert.ok(dir !== undefined);
    assert.ok([...taken].every((path) => dirname(path) === dir));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.match(dir, new RegExp(`berth-pipes-${String(process.pid)}-`));
  });
});
