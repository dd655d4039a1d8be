import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fifoPoolDir, prefillFifoPool, takeFifo } from '../../src/exec/fifo-pool.js';

describe('takeFifo', () => {
  // First in this file: the pool is per process, and this needs none made yet.
  it('prefillFifoPool makes the first batch in the background, so the first take finds one ready', async () => {
    assert.equal(fifoPoolDir(), undefined, 'no pool before the first call');
    // A slow mkfifo first in PATH: a prefill that waited for it would take its 300 ms.
    const slow = mkdtempSync(join(tmpdir(), 'berth-slow-mkfifo-'));
    writeFileSync(join(slow, 'mkfifo'), '#!/bin/sh\nsleep 0.3\nexec /usr/bin/mkfifo "$@"\n');
    chmodSync(join(slow, 'mkfifo'), 0o755);
    const pathBefore = process.env.PATH;
    process.env.PATH = `${slow}:${pathBefore ?? ''}`;
    const started = Date.now();
    try {
      prefillFifoPool();
    } finally {
      process.env.PATH = pathBefore;
    }
    const took = Date.now() - started;
    const dir = fifoPoolDir();
    assert.ok(dir !== undefined, 'the pool folder is made at once');
    assert.ok(took < 150, `prefillFifoPool returned after ${String(took)} ms: it waited for mkfifo`);
    assert.deepEqual(readdirSync(dir), [], 'nothing is made yet when it returns');
    const deadline = Date.now() + 5000;
    while (readdirSync(dir).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    // mkfifo makes the whole batch in one run; let it finish before listing what is ready.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const made = new Set(readdirSync(dir).map((name) => join(dir, name)));
    assert.ok(made.size >= 8, `only ${String(made.size)} FIFOs made in the background`);
    const path = takeFifo();
    assert.ok(path !== undefined && made.has(path), 'the first take used a FIFO made in the background');
    unlinkSync(path);
    rmSync(slow, { recursive: true, force: true });
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
