import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { loadText } from '../helpers/temp-stack.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'service.mjs');
const running: Supervisor[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.down()));
});

describe('supervisor.up on a running stack', () => {
  it('starts what was asked and touches nothing else: leftovers are reaped on the first up only', async () => {
    const loaded = loadText(`services:
  a: { command: ${process.execPath} ${fixture}, http: {}, ready: { http: /health } }
  b: { command: ${process.execPath} ${fixture}, http: {}, ready: { http: /health } }
`);
    assert.ok(loaded.ok);
    const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(loaded.dir, '.berth'), baseEnv: { PATH: process.env.PATH } });
    running.push(supervisor);
    await supervisor.up();
    assert.deepEqual(await supervisor.waitReady(15_000), { ok: true });
    const before = supervisor.status().map((s) => [s.service, s.pid, s.restarts]);
    await supervisor.stop(['b']);
    await supervisor.up(['b']);
    assert.deepEqual(await supervisor.waitReady(15_000), { ok: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = supervisor.status();
    assert.deepEqual(now.filter((s) => s.service === 'a').map((s) => [s.service, s.pid, s.restarts]), before.filter(([name]) => name === 'a'), 'a kept its process');
    assert.notEqual(now.find((s) => s.service === 'b')?.pid, before.find(([name]) => name === 'b')?.[1], 'b was started again');
  });
});
