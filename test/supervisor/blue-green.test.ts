import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Upstream } from '../../src/edge/edge-types.js';
import { readProcStat } from '../../src/exec/proc-stat.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { loadText } from '../helpers/temp-stack.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'service.mjs');
const started: Supervisor[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.down()));
});

function startStack(yaml: string): { supervisor: Supervisor; dir: string } {
  const loaded = loadText(yaml.replaceAll('FIXTURE', `${process.execPath} ${fixture}`));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(loaded.dir, '.berth'), baseEnv: { PATH: process.env.PATH } });
  started.push(supervisor);
  return { supervisor, dir: loaded.dir };
}

// A zombie (exited, not yet reaped by whoever is its parent) is not alive.
const isAlive = (pid: number): boolean => {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
};

describe('supervisor.replaceBlueGreen', () => {
  it('starts new instances beside the old, swaps only once they are ready, drains, then stops the old ones', async () => {
    const { supervisor } = startStack(`services:
  web: { command: FIXTURE, http: {}, replicas: 2, env: { LISTEN_AFTER: "300" }, ready: { http: /health }, routes: [{ host: a.test }] }
`);
    await supervisor.up();
    assert.deepEqual(await supervisor.waitReady(15_000), { ok: true });
    const before = supervisor.upstreams('web');
    const oldPids = supervisor.status().map((s) => s.pid ?? 0);
    assert.equal(before.length, 2);
    const seen: { at: string; upstreams: Upstream[]; instances: number[] }[] = [];
    const result = await supervisor.replaceBlueGreen('web', {
      swap: () => {
        seen.push({ at: 'swap', upstreams: supervisor.upstreams('web'), instances: supervisor.status().map((s) => s.instance) });
        return Promise.resolve();
      },
      drain: (old) => {
        // The old instances still run while their requests drain.
        assert.ok(oldPids.every(isAlive), 'old instances alive during the drain');
        seen.push({ at: 'drain', upstreams: [...old], instances: [] });
        return Promise.resolve('drained');
      },
    }, 15_000);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.drained, 'drained');
    assert.deepEqual(seen.map((s) => s.at), ['swap', 'drain']);
    const swap = seen.find((s) => s.at === 'swap');
    const drain = seen.find((s) => s.at === 'drain');
    if (swap === undefined || drain === undefined) throw new Error('swap or drain not called');
    // At the swap, the service's upstreams are the new instances' (3 and 4), none of the old ports.
    assert.deepEqual(swap.instances.sort(), [1, 2, 3, 4]);
    assert.equal(swap.upstreams.length, 2);
    assert.ok(swap.upstreams.every((u) => !before.some((b) => b.port === u.port)), 'new ports only after the swap');
    assert.deepEqual(drain.upstreams, before, 'drain gets the old upstreams');
    assert.deepEqual(supervisor.status().map((s) => s.instance), [3, 4]);
    assert.ok(oldPids.every((pid) => !isAlive(pid)), 'old instances gone');
    assert.ok(supervisor.status().every((s) => s.phase === 'running' && s.ready === true));
  });

  it('keeps the old instances serving, untouched, when the new ones do not get ready', async () => {
    const { supervisor, dir } = startStack(`services:
  web: { command: FIXTURE, http: {}, env: { EXIT_UNLESS_FILE: ./healthy }, ready: { http: /health }, routes: [{ host: a.test }] }
`);
    const flag = join(dir, 'healthy');
    writeFileSync(flag, '');
    await supervisor.up();
    assert.deepEqual(await supervisor.waitReady(15_000), { ok: true });
    const before = supervisor.status();
    rmSync(flag);
    const swaps: string[] = [];
    const result = await supervisor.replaceBlueGreen('web', {
      swap: () => {
        swaps.push('swap');
        return Promise.resolve();
      },
      drain: () => Promise.resolve('drained'),
    }, 15_000);
    assert.match(JSON.stringify(result), /"ok":false,"reason":"new instance of web did not start/);
    assert.deepEqual(swaps, [], 'no swap for a new set that never got ready');
    const after = supervisor.status();
    assert.deepEqual(after.map((s) => [s.instance, s.pid, s.phase]), before.map((s) => [s.instance, s.pid, s.phase]), 'old instance untouched, new one gone');
    assert.ok(isAlive(before[0]?.pid ?? 0));
  });
});
