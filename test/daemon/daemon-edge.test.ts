import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import type { EdgeStatus } from '../../src/daemon/edge-controller.js';
import { isProcessAlive, listGroupMembers } from '../../src/exec/proc-stat.js';
import { readProcessRecords } from '../../src/exec/process-records.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { captureIo } from '../helpers/capture-io.js';
import { processesNaming } from '../helpers/processes.js';
import { writeFiles } from '../helpers/temp-stack.js';

const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const env = { PATH: process.env.PATH ?? '' };

function stackYaml(port: number): string {
  const cmd = `${process.execPath} ${echo}`;
  return `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 2 }
services:
  web: { command: ${cmd}, http: {}, ready: { http: /health }, routes: [{ host: app.test }] }
  api: { command: ${cmd}, http: {}, replicas: 2, ready: { http: /health }, routes: [{ host: app.test, path: /api, strip_prefix: true }, { host: "*.api.test" }] }
  site: { static: { dir: ./public }, routes: [{ host: site.test }] }
`;
}

async function get(port: number, host: string, path: string, dispatcher?: Agent): Promise<{ status: number; body: string }> {
  const response = await request(`http://127.0.0.1:${String(port)}${path}`, { headers: { host }, ...(dispatcher === undefined ? {} : { dispatcher }) });
  return { status: response.statusCode, body: await response.body.text() };
}

async function status(dir: string): Promise<{ instances: { service: string; instance: number; pid: number | null }[]; edge: EdgeStatus | null }> {
  const io = captureIo(dir, env);
  assert.equal(await main(['status', '--json'], io), 0, io.err());
  return JSON.parse(io.out()) as { instances: { service: string; instance: number; pid: number | null }[]; edge: EdgeStatus | null };
}

/**
 * The pids of this stack's edge (its primary and workers: one process group, recorded in the stack's run folder).
 * Why not every process naming the edge's entry: other test files run their own edges at the same time.
 */
function edgeProcesses(dir: string): number[] {
  const record = readProcessRecords(getStatePaths(join(dir, 'berth.yml')).runDir).find((r) => r.service === '.edge');
  if (record === undefined) return [];
  const group = new Set(listGroupMembers(record.pgid).map((member) => member.pid));
  return processesNaming('edge-main').filter((pid) => group.has(pid));
}

describe('daemon with the edge', () => {
  it('routes through edge workers, answers maintenance with 503, counts per route, logs access, restarts blue/green under load with zero failed requests, and leaves nothing after down', async () => {
    const port = await allocatePort();
    const dir = writeFiles({ 'berth.yml': stackYaml(port), 'public/index.html': '<h1>site</h1>' });
    let edgePids: number[] = [];
    try {
      const up = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], up), 0, up.err());
      // The table follows readiness: the routes answer once the instances are ready (up -d waited for that).
      let edge = (await status(dir)).edge;
      assert.equal(edge?.phase, 'listening', JSON.stringify(edge));
      assert.equal(edge.workers, 2);
      assert.deepEqual(await get(port, 'app.test', '/x'), { status: 200, body: 'web.1 /x' });
      assert.match((await get(port, 'app.test', '/api/users?id=1')).body, /^api\.[12] \/users\?id=1$/);
      assert.match((await get(port, 'eu.api.test', '/v1')).body, /^api\.[12] \/v1$/);
      assert.deepEqual(await get(port, 'site.test', '/'), { status: 200, body: '<h1>site</h1>' });
      const unknown = await get(port, 'nobody.test', '/');
      assert.equal(unknown.status, 404);
      assert.doesNotMatch(unknown.body, /web|api|site|berth/i, 'an unknown host learns nothing about the stack');

      // Maintenance: 503 with a plain page for that service only, and back.
      const on = captureIo(dir, env);
      assert.equal(await main(['maintenance', 'on', 'web'], on), 0, on.err());
      assert.match(on.out(), /in maintenance: web/);
      const down503 = await get(port, 'app.test', '/x');
      assert.equal(down503.status, 503);
      assert.match(down503.body, /maintenance/);
      assert.equal((await get(port, 'app.test', '/api/a')).status, 200, 'other services keep serving');
      const notRouted = captureIo(dir, env);
      assert.equal(await main(['maintenance', 'on', 'nope'], notRouted), 2);
      assert.match(notRouted.err(), /BERTH_E_SERVICE_UNKNOWN/);
      const off = captureIo(dir, env);
      assert.equal(await main(['maintenance', 'off'], off), 0, off.err());
      assert.equal((await get(port, 'app.test', '/x')).status, 200);

      // Counters summed over the workers, in `status --json`.
      edge = (await status(dir)).edge;
      const webRoute = edge?.routes.find((r) => r.id === 'web#0');
      assert.ok((webRoute?.counters?.requests ?? 0) >= 3, JSON.stringify(webRoute));
      assert.ok((webRoute?.counters?.status5xx ?? 0) >= 1, 'the 503 was counted');
      const statusText = captureIo(dir, env);
      assert.equal(await main(['status'], statusText), 0);
      assert.match(statusText.out(), /edge: listening on 127\.0\.0\.1:\d+, 2 worker\(s\)/);
      assert.match(statusText.out(), /web#0 +app\.test +\/ +web \(1 ready\)/);

      // Blue/green restart under load: every request succeeds, and the new instance takes over.
      const webPid = (await status(dir)).instances.find((s) => s.service === 'web')?.pid;
      const agent = new Agent({ connections: 4, keepAliveTimeout: 10_000 });
      let stop = false;
      const results = { ok: 0, failed: [] as string[], bodies: new Set<string>() };
      const client = async (): Promise<void> => {
        while (!stop) {
          try {
            const r = await get(port, 'app.test', '/slow?ms=20', agent);
            if (r.status === 200) {
              results.ok++;
              results.bodies.add(r.body.split(' ')[0] ?? '');
            } else results.failed.push(`${String(r.status)} ${r.body}`);
          } catch (error) {
            results.failed.push(String(error));
          }
        }
      };
      const clients = [client(), client(), client(), client()];
      await new Promise((r) => setTimeout(r, 300));
      const restart = captureIo(dir, env);
      assert.equal(await main(['restart', 'web'], restart), 0, restart.err());
      assert.match(restart.out(), /web: restarted \(blue-green/);
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(clients);
      await agent.close();
      assert.deepEqual(results.failed, [], `no failed request during the swap (${String(results.ok)} succeeded)`);
      assert.ok(results.ok > 20, `load ran: ${String(results.ok)}`);
      assert.deepEqual([...results.bodies].sort(), ['web.1', 'web.2'], 'old instance served, then the new one');
      const after = (await status(dir)).instances.filter((s) => s.service === 'web');
      assert.deepEqual(after.map((s) => s.instance), [2]);
      assert.notEqual(after[0]?.pid, webPid);

      // One access log per route, JSON lines.
      const log = join(getStatePaths(join(dir, 'berth.yml')).stateDir, 'logs', 'access', 'web.0.access.log');
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(existsSync(log), 'access log of web#0');
      const line = JSON.parse(readFileSync(log, 'utf8').trim().split('\n')[0] ?? '{}') as { method?: string; status?: number; path?: string };
      assert.equal(line.method, 'GET');
      assert.equal(typeof line.status, 'number');
      edgePids = edgeProcesses(dir);
      assert.equal(edgePids.length, 3, 'the edge runs as a primary and 2 workers');
    } finally {
      await main(['down'], captureIo(dir, env));
    }
    assert.deepEqual(edgePids.filter(isProcessAlive), [], 'no edge process survives down');
  });

  it('keeps the services running and says why when the edge cannot listen', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => {
      resolve((blocker.address() as { port: number }).port);
    }));
    const dir = writeFiles({ 'berth.yml': stackYaml(port), 'public/index.html': 'x' });
    try {
      const up = captureIo(dir, env);
      assert.equal(await main(['up', '-d'], up), 1, up.err());
      assert.match(up.err(), /BERTH_E_EDGE_LISTEN: the edge cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE .*\(hint: stop what listens there/);
      const now = await status(dir);
      assert.equal(now.edge?.phase, 'failed');
      assert.match(now.edge.error ?? '', /BERTH_E_EDGE_LISTEN: the edge cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
      assert.ok(now.instances.every((s) => s.pid !== null), 'services run anyway');
    } finally {
      await main(['down'], captureIo(dir, env));
      blocker.close();
    }
  });
});
