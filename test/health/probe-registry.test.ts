import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkProbeOnce } from '../../src/health/check-probe-once.js';
import { makeResult } from '../../src/health/probe-output.js';
import { registerProbeCheck } from '../../src/health/probe-registry.js';
import type { ProbeCheck } from '../../src/health/probe-types.js';
import { makeProbe, makeTarget } from './probe-helpers.js';

describe('probe registry', () => {
  it('fails postgres and redis probes closed until their recipe registers a check', async () => {
    for (const kind of ['postgres', 'redis'] as const) {
      const result = await checkProbeOnce(makeProbe({ kind, implicit: true }), makeTarget({ port: 5432 }));
      assert.equal(result.ok, false);
      assert.equal(result.output, `no ${kind} check is registered (the ${kind} recipe provides it), so this probe cannot pass`);
    }
  });

  it('runs a registered check with the probe, the target and a signal, until it is removed', async () => {
    const seen: unknown[] = [];
    const ping: ProbeCheck = (probe, target, signal) => {
      seen.push([probe.kind, target.port, signal.aborted]);
      return Promise.resolve(makeResult(true, 'PONG', Date.now()));
    };
    const unregister = registerProbeCheck('redis', ping);
    try {
      const result = await checkProbeOnce(makeProbe({ kind: 'redis' }), makeTarget({ port: 6379 }));
      assert.equal(result.ok, true);
      assert.equal(result.output, 'PONG');
      assert.deepEqual(seen, [['redis', 6379, false]]);
    } finally {
      unregister();
    }
    assert.equal((await checkProbeOnce(makeProbe({ kind: 'redis' }), makeTarget())).ok, false);
  });
});
