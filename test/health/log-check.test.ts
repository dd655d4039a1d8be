import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnProcess } from '../../src/exec/spawn-process.js';
import { stopProcessGroup } from '../../src/exec/stop-process-group.js';
import { prepareLogCheck } from '../../src/health/log-check.js';
import { startProbe } from '../../src/health/run-probe.js';
import type { LogLine, LogListener } from '../../src/logs/log-types.js';
import { feedLines, makeProbe, makeTarget } from './probe-helpers.js';

const node = (script: string) => ({ argv: [process.execPath, '-e', script] });

describe('log probe', () => {
  it('passes on a line a real child prints the moment it starts', async () => {
    const handle = spawnProcess({ command: node("console.log('booting'); console.error('celery@host ready.'); setInterval(() => {}, 1000);"), cwd: '/tmp', env: {} });
    const subscribeLogs = feedLines([
      { stream: handle.stdout, name: 'out' },
      { stream: handle.stderr, name: 'err' },
    ]);
    const runner = startProbe({ phase: 'ready', probe: makeProbe({ kind: 'log', log: 'celery@\\S+ ready' }), target: makeTarget({ subscribeLogs }) });
    try {
      const result = await runner.firstPass;
      assert.equal(result.ok, true);
      assert.equal(result.output, 'matched: celery@host ready.');
    } finally {
      runner.stop();
      await stopProcessGroup(handle.pgid, 'SIGTERM', 1000);
    }
  });

  it('sees a line printed later as it arrives', async () => {
    const handle = spawnProcess({ command: node("setTimeout(() => console.log('listening on :8080'), 400); setInterval(() => {}, 1000);"), cwd: '/tmp', env: {} });
    const subscribeLogs = feedLines([{ stream: handle.stdout, name: 'out' }]);
    let lineAt = 0;
    subscribeLogs((line) => {
      if (line.text.includes('listening')) lineAt = Date.now();
    });
    const runner = startProbe({ phase: 'ready', probe: makeProbe({ kind: 'log', log: 'listening on', interval: '10s' }), target: makeTarget({ subscribeLogs }) });
    try {
      const result = await runner.firstPass;
      assert.equal(result.ok, true);
      assert.ok(result.time - lineAt < 20, `seen ${String(result.time - lineAt)} ms after the line`);
    } finally {
      runner.stop();
      await stopProcessGroup(handle.pgid, 'SIGTERM', 1000);
    }
  });

  it("ignores Berth's own lines, fails until a match, and unsubscribes when closed", async () => {
    const listeners = new Set<LogListener>();
    const target = makeTarget({ subscribeLogs: (listener) => (listeners.add(listener), () => listeners.delete(listener)) });
    const emit = (stream: LogLine['stream'], text: string): void => {
      for (const listener of [...listeners]) listener({ service: 'web', instance: 1, stream, time: Date.now(), text });
    };
    const prepared = prepareLogCheck(makeProbe({ kind: 'log', log: 'ready' }), target);
    const signal = new AbortController().signal;
    emit('berth', 'ready probe failed: no output line has matched /ready/ yet');
    emit('out', 'starting');
    assert.deepEqual(await prepared.run(signal).then((r) => [r.ok, r.output]), [false, 'no output line has matched /ready/ yet']);
    emit('out', 'now ready');
    assert.deepEqual(await prepared.run(signal).then((r) => [r.ok, r.output]), [true, 'matched: now ready']);
    emit('out', 'still printing');
    assert.equal((await prepared.run(signal)).ok, true, 'stays passed');
    prepared.close();
    assert.equal(listeners.size, 0);
  });

  it('fails closed at start_timeout when no line matches', async () => {
    const runner = startProbe({ phase: 'ready', probe: makeProbe({ kind: 'log', log: 'never', start_timeout: '100ms' }), target: makeTarget() });
    const result = await runner.firstPass;
    assert.equal(result.ok, false);
    assert.equal(result.output, 'no output line has matched /never/ yet');
  });
});
