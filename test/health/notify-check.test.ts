import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnProcess } from '../../src/exec/spawn-process.js';
import { stopProcessGroup } from '../../src/exec/stop-process-group.js';
import { isReadyLine } from '../../src/health/notify-check.js';
import { startProbe } from '../../src/health/run-probe.js';
import { makeProbe, makeTarget } from './probe-helpers.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const notifyProbe = (fields: { start_timeout?: string } = {}) => makeProbe({ kind: 'notify', ...fields });

async function probeChild(argv: string[], startTimeout = '5s') {
  const handle = spawnProcess({ command: { argv }, cwd: '/tmp', env: {}, notify: true });
  const startedAt = Date.now();
  const runner = startProbe({ phase: 'ready', probe: notifyProbe({ start_timeout: startTimeout }), target: makeTarget({ notify: handle.notify }) });
  try {
    const result = await runner.firstPass;
    return { result, afterMs: result.time - startedAt };
  } finally {
    runner.stop();
    await stopProcessGroup(handle.pgid, 'SIGTERM', 1000);
  }
}

describe('notify probe', () => {
  it('passes when a real child writes READY to $BERTH_NOTIFY_FD', async () => {
    const { result, afterMs } = await probeChild([process.execPath, join(fixtures, 'notify-ready.mjs')]);
    assert.equal(result.ok, true);
    assert.equal(result.output, 'READY on the notify pipe');
    assert.ok(afterMs >= 50, 'not before the child said so');
  });

  it("accepts systemd's READY=1, even without a newline", async () => {
    const { result } = await probeChild([process.execPath, '-e', "require('fs').writeSync(Number(process.env.BERTH_NOTIFY_FD), 'STATUS=warming up\\nREADY=1'); setInterval(() => {}, 1000);"]);
    assert.equal(result.ok, true);
  });

  it('fails closed when the pipe closes without READY', async () => {
    const { result } = await probeChild([process.execPath, '-e', "require('fs').writeSync(3, 'NOT READY\\n');"], '3s');
    assert.equal(result.ok, false);
    assert.equal(result.output, 'the notify pipe closed before READY');
  });

  it('fails closed when the instance has no notify pipe', async () => {
    const runner = startProbe({ phase: 'ready', probe: notifyProbe({ start_timeout: '50ms' }), target: makeTarget() });
    const result = await runner.firstPass;
    assert.equal(result.ok, false);
    assert.match(result.output, /no notify pipe/);
  });

  it('knows the ready lines', () => {
    assert.deepEqual(['READY', 'READY=1', ' READY\r', 'READY=0', 'NOT READY', 'ready'].map(isReadyLine), [true, true, true, false, false, false]);
  });
});
