import assert from 'node:assert/strict';
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fifoPoolDir, prefillFifoPool, takeFifo } from '../../src/exec/fifo-pool.js';

describe('takeFifo', () => {
  // First in this file: the pool is per process, and this needs none made yet.
  it('prefillFifoPool makes the first batch in the background, so the first take finds one ready', async () => {
    assert.equal(fifoPoolDir(), undefined, 'no pool before the first call');
    prefillFifoPool();
    const dir = fifoPoolDir();
    assert.ok(dir !== undefined, 'the pool folder is made at once');
    const deadline = Date.now() + 5000;
    while (readdirSync(dir).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    // mkfifo makes the whole batch in one run; let it finish before listing what is ready.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const made = new Set(readdirSync(dir).map((name) => join(dir, name)));
    assert.ok(made.size >= 8, `only ${String(made.size)} FIFOs made in the background`);
    const path = takeFifo();
    assert.ok(path !== undefined && made.has(path), 'the first take used a FIFO made in the background');
    unlinkSync(path);
  });

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
