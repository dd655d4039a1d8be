import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeployStep } from '../../src/deploy/plan-deploy.js';
import { runDeploy, type ActionResult, type DeployActions } from '../../src/deploy/run-deploy.js';

// The executor's ordering and rollback rules, over actions that record what they were asked to do (the real side
// effects are covered against a running daemon in test/daemon/daemon-deploy.test.ts).
function recorder(fail: Partial<Record<string, ActionResult>> = {}, onCall: (call: string) => void = () => undefined): { calls: string[]; actions: DeployActions } {
  const calls: string[] = [];
  const act = (call: string): Promise<ActionResult> => {
    calls.push(call);
    onCall(call);
    return Promise.resolve(fail[call] ?? { ok: true });
  };
  return {
    calls,
    actions: {
      build: (s) => act(`build ${s}`),
      reuseBuild: (s, from) => act(`reuse ${s} ${from}`),
      hook: (phase, index) => act(`hook ${phase} ${String(index)}`),
      backup: (s) => act(`backup ${s}`),
      release: (s) => act(`release ${s}`),
      enterServicePhase: () => { calls.push('new stack'); },
      switchService: (s, action) => act(`${action} ${s}`),
      stopService: (s) => act(`stop ${s}`),
      verify: (ms, services) => act(`verify ${String(ms)} ${services.join(',')}`),
      enterRollback: () => { calls.push('old stack'); },
      revertService: (s, action) => act(`revert ${action} ${s}`),
      record: () => act('record'),
    },
  };
}

const STEPS: DeployStep[] = [
  { kind: 'lock' }, { kind: 'snapshot', ref: null }, { kind: 'hook', phase: 'pre', index: 0 },
  { kind: 'build', service: 'web' }, { kind: 'backup', service: 'db' }, { kind: 'release', service: 'web' },
  { kind: 'deploy', service: 'db', action: 'replace' }, { kind: 'deploy', service: 'web', action: 'blue-green' }, { kind: 'deploy', service: 'jobs', action: 'start' },
  { kind: 'stop', service: 'old' }, { kind: 'verify', window: '10s', services: ['db', 'web', 'jobs'] }, { kind: 'record' }, { kind: 'hook', phase: 'post', index: 0 },
];

const run = (actions: DeployActions, signal = new AbortController().signal) => runDeploy({ steps: STEPS, actions, signal, release: 'R2', from: () => 'R1', parseWindow: () => 10_000 });

describe('runDeploy', () => {
  it('runs every step in order and succeeds', async () => {
    const { calls, actions } = recorder();
    const result = await run(actions);
    assert.equal(result.outcome, 'succeeded');
    assert.deepEqual(calls, ['hook pre 0', 'build web', 'backup db', 'release web', 'new stack', 'replace db', 'blue-green web', 'start jobs', 'stop old', 'verify 10000 db,web,jobs', 'record', 'hook post 0']);
    assert.deepEqual(result.rows.find((r) => r.item === 'web'), { item: 'web', from: 'R1', to: 'R2', result: 'done', ms: result.rows.find((r) => r.item === 'web')?.ms });
  });

  it('a failure before the services change stops there: nothing to revert, outcome failed', async () => {
    for (const failing of ['hook pre 0', 'build web', 'backup db', 'release web']) {
      const { calls, actions } = recorder({ [failing]: { ok: false, detail: 'boom', logs: ['last line'] } });
      const result = await run(actions);
      assert.equal(result.outcome, 'failed', failing);
      assert.equal(calls.at(-1), failing, 'nothing ran after the failing step');
      assert.ok(!calls.includes('new stack') && !calls.includes('old stack'));
      assert.match(result.reason ?? '', /failed: boom$/);
      assert.deepEqual(result.logs, ['last line']);
    }
  });

  it('a failed verification reverts every change in reverse order and rolls back', async () => {
    const { calls, actions } = recorder({ 'verify 10000 db,web,jobs': { ok: false, detail: 'web.3 crashed' } });
    const result = await run(actions);
    assert.equal(result.outcome, 'rolled_back');
    assert.deepEqual(calls.slice(calls.indexOf('old stack')), ['old stack', 'revert stop old', 'revert start jobs', 'revert blue-green web', 'revert replace db']);
    assert.ok(!calls.includes('record'), 'a rolled back deploy is not recorded');
    assert.deepEqual(result.rows.filter((r) => r.result === 'rolled back').map((r) => r.item), ['db', 'web', 'jobs', 'old']);
  });

  it('a blue-green gate that failed leaves the old instances alone: only earlier changes are reverted, and the stack goes back', async () => {
    const { calls, actions } = recorder({ 'blue-green web': { ok: false, oldUntouched: true, detail: 'not ready' } });
    const result = await run(actions);
    assert.equal(result.outcome, 'rolled_back');
    assert.deepEqual(calls.slice(calls.indexOf('old stack')), ['old stack', 'revert replace db']);
  });

  it('a replace that failed is reverted too (its old instances were stopped)', async () => {
    const { calls, actions } = recorder({ 'replace db': { ok: false, detail: 'not ready' } });
    await run(actions);
    assert.deepEqual(calls.slice(calls.indexOf('old stack')), ['old stack', 'revert replace db']);
  });

  it('an interrupt stops at the next step and reverts what changed; a failed post hook is only a warning', async () => {
    const abort = new AbortController();
    const { calls, actions } = recorder({}, (call) => {
      if (call === 'blue-green web') abort.abort();
    });
    const result = await run(actions, abort.signal);
    assert.equal(result.outcome, 'interrupted');
    assert.deepEqual(calls.slice(calls.indexOf('blue-green web')), ['blue-green web', 'old stack', 'revert blue-green web', 'revert replace db']);

    const post = recorder({ 'hook post 0': { ok: false, detail: 'exit 1' } });
    const warned = await run(post.actions);
    assert.equal(warned.outcome, 'succeeded');
    assert.equal(warned.rows.at(-1)?.result, 'warning');
  });

  it('a jobs step points the supervisor at the new stack when no service did; a failure after it points it back (the jobs follow)', async () => {
    const steps: DeployStep[] = [{ kind: 'lock' }, { kind: 'snapshot', ref: null }, { kind: 'jobs', summary: 'tick changed (command)' }, { kind: 'record' }];
    const ok = recorder();
    const result = await runDeploy({ steps, actions: ok.actions, signal: new AbortController().signal, release: 'R2', from: () => 'R1', parseWindow: () => 10_000 });
    assert.equal(result.outcome, 'succeeded');
    assert.deepEqual(ok.calls, ['new stack', 'record']);
    assert.deepEqual(result.rows[0], { item: 'jobs: tick changed (command)', from: null, to: 'R2', result: 'done', ms: result.rows[0]?.ms });

    const withServices: DeployStep[] = [{ kind: 'jobs', summary: 'nightly added' }, { kind: 'deploy', service: 'web', action: 'blue-green' }, { kind: 'verify', window: '10s', services: ['web'] }, { kind: 'record' }];
    const failing = recorder({ 'verify 10000 web': { ok: false, detail: 'web.2 crashed' } });
    const failed = await runDeploy({ steps: withServices, actions: failing.actions, signal: new AbortController().signal, release: 'R2', from: () => 'R1', parseWindow: () => 10_000 });
    assert.equal(failed.outcome, 'rolled_back');
    assert.deepEqual(failing.calls, ['new stack', 'blue-green web', 'verify 10000 web', 'old stack', 'revert blue-green web'], 'the stack is pointed at once, and back once');
    assert.deepEqual(failed.rows.map((r) => [r.item, r.result]), [['jobs: nightly added', 'rolled back'], ['web', 'rolled back'], ['verify 10s', 'failed']]);
    assert.equal(failed.rows[0]?.detail, 'jobs back to the definitions of the old stack');
  });
});
