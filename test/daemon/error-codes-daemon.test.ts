// Edge errors a running daemon reports through the CLI: maintenance without an edge or for an unrouted service,
// and a blue/green restart whose new instance cannot start (the old instance keeps serving).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { runBerth, type BerthRun } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';

const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const env = { PATH: process.env.PATH ?? '' };

const berth = (dir: string, ...args: string[]): Promise<BerthRun> => runBerth(dir, env, ...args);

async function get(port: number, host: string): Promise<string> {
  const response = await request(`http://127.0.0.1:${String(port)}/`, { headers: { host } });
  return `${String(response.statusCode)} ${await response.body.text()}`;
}

async function instancesOf(dir: string, service: string): Promise<{ instance: number; pid: number | null; phase: string }[]> {
  const status = await berth(dir, 'status', '--json');
  assert.equal(status.code, 0, status.err);
  return (JSON.parse(status.out) as { instances: { service: string; instance: number; pid: number | null; phase: string }[] }).instances.filter((i) => i.service === service).map((i) => ({ instance: i.instance, pid: i.pid, phase: i.phase }));
}

describe('edge errors from the daemon', { timeout: 180_000 }, () => {
  it('refuses maintenance when nothing is routed (BERTH_E_EDGE_OFF)', async () => {
    const dir = writeFiles({ 'berth.yml': `services:\n  web: { command: ${process.execPath} ${echo}, http: {} }\n` });
    try {
      const up = await berth(dir, 'up', '-d');
      assert.equal(up.code, 0, up.err);
      const on = await berth(dir, 'maintenance', 'on', 'web');
      assert.equal(on.code, 2, on.out + on.err);
      assert.equal(on.err, 'berth maintenance: BERTH_E_EDGE_OFF: nothing in this stack is routed, so there is no edge\n  hint: give a service `routes:` to have the edge front it');
      const all = await berth(dir, 'maintenance', 'on');
      assert.equal(all.code, 2);
      assert.match(all.err, /BERTH_E_EDGE_OFF: nothing in this stack is routed/);
    } finally {
      await berth(dir, 'down');
    }
  });

  it('refuses maintenance for a service without routes (BERTH_E_EDGE_NOT_ROUTED), and keeps the running instance when a blue/green restart cannot start the new one (BERTH_E_SWAP_FAILED)', async () => {
    const port = await allocatePort();
    const flags = writeFiles({});
    const broken = join(flags, 'BROKEN');
    // Serves like echo-instance, but exits at once while the flag file exists.
    const flaky = `import { existsSync } from 'node:fs';
if (existsSync(${JSON.stringify(broken)})) { console.error('flaky: refusing to start while BROKEN exists'); process.exit(3); }
await import(${JSON.stringify(echo)});
`;
    const dir = writeFiles({
      'flaky.mjs': flaky,
      'berth.yml': `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
services:
  web: { command: ${process.execPath} flaky.mjs, http: {}, ready: { http: /health }, routes: [{ host: app.test }] }
  worker: { command: ${process.execPath} ${echo}, http: {} }
`,
    });
    try {
      const up = await berth(dir, 'up', '-d');
      assert.equal(up.code, 0, up.err);
      assert.equal(await get(port, 'app.test'), '200 web.1 /');

      const notRouted = await berth(dir, 'maintenance', 'on', 'web', 'worker');
      assert.equal(notRouted.code, 2, notRouted.out + notRouted.err);
      assert.equal(notRouted.err, 'berth maintenance: BERTH_E_EDGE_NOT_ROUTED: worker has no routes\n  hint: maintenance answers for routed services only; name a service with `routes:`, or none for all of them');
      assert.equal(await get(port, 'app.test'), '200 web.1 /', 'web was not put in maintenance either');

      const before = await instancesOf(dir, 'web');
      writeFileSync(broken, '');
      const restart = await berth(dir, 'restart', 'web');
      assert.equal(restart.code, 2, restart.out + restart.err);
      assert.match(restart.err, /^berth restart: BERTH_E_SWAP_FAILED: web kept its running instances: new instance of web did not start: .+\n {2}hint: see `berth logs web -n 50` for why the new instance did not get ready; nothing changed for its users$/);
      // Nothing changed for its users: the same instance serves, and nothing of the new one is left.
      assert.equal(await get(port, 'app.test'), '200 web.1 /');
      assert.deepEqual(await instancesOf(dir, 'web'), before);
      const logs = await berth(dir, 'logs', 'web', '-n', '50');
      assert.match(logs.out, /refusing to start while BROKEN exists/, 'the log the hint points to says why');

      // Once the cause is gone the same restart goes through.
      rmSync(broken);
      const again = await berth(dir, 'restart', 'web');
      assert.equal(again.code, 0, again.err);
      assert.match(await get(port, 'app.test'), /^200 web\.\d+ \/$/);
      assert.notDeepEqual((await instancesOf(dir, 'web')).map((i) => i.pid), before.map((i) => i.pid));
    } finally {
      await berth(dir, 'down');
    }
  });
});
