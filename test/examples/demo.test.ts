// The README's main command on the bundled demo: `berth up -d` starts it (migration, API, worker, static site,
// edge), the edge serves the site and the API, the scheduled job runs by hand, and `down` leaves nothing running.
// The demo is copied to a temporary folder, its edge moved to a free port.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import type { InstanceStatus } from '../../src/supervisor/supervisor-types.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { isProcessAlive } from '../../src/exec/proc-stat.js';
import { findProcesses, processesNaming } from '../helpers/processes.js';
import { runBerth } from '../helpers/run-berth.js';

const env = { PATH: process.env.PATH ?? '' };

/** Status and body of GET `path` through the edge for `host`. */
function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
    }).on('error', reject).end();
  });
}

const berth = (dir: string, ...args: string[]): ReturnType<typeof runBerth> => runBerth(dir, env, ...args);

/** Processes working in `dir` or naming it (the daemon, the services, the edge): what `down` must leave none of. */
function processesOf(dir: string): number[] {
  const working = findProcesses((pid) => {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cwd === dir || cwd.startsWith(`${dir}/`);
  });
  return [...new Set([...processesNaming(dir), ...working])];
}

describe('the demo (README)', { timeout: 90_000 }, () => {
  it('comes up with its edge, serves the site and the API, runs its job, and leaves nothing after down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-demo-'));
    // As a fresh clone has it: not the state or data a local run of the demo left (both are git-ignored).
    const demo = join(import.meta.dirname, '..', '..', 'examples', 'demo');
    cpSync(demo, dir, { recursive: true, filter: (source) => !['.berth', 'data'].includes(relative(demo, source).split(sep)[0] ?? '') });
    const port = await allocatePort();
    const file = join(dir, 'berth.yml');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /http: 8080/);
    writeFileSync(file, text.replace('http: 8080', `http: ${String(port)}`));
    let stack: number[] = [];
    try {
      const up = await berth(dir, 'up', '-d');
      assert.equal(up.code, 0, `${up.out}${up.err}`);
      const status = JSON.parse((await berth(dir, 'status', '--json')).out) as { instances: InstanceStatus[] };
      const phases = Object.fromEntries(status.instances.map((i) => [i.service, i.phase]));
      assert.deepEqual(phases, { migrate: 'completed', api: 'running', worker: 'running' }, 'the site is served by the edge, no process');
      assert.equal(readFileSync(join(dir, 'data', 'schema-version'), 'utf8'), '1\n', 'the migration ran');
      const site = await get(port, 'demo.localhost', '/');
      assert.equal(site.status, 200);
      assert.equal(site.body, readFileSync(join(dir, 'public', 'index.html'), 'utf8'));
      const api = await get(port, 'demo.localhost', '/api/hello');
      assert.equal(api.status, 200);
      assert.equal((JSON.parse(api.body) as { hello: string }).hello, 'from the demo api');
      const report = await berth(dir, 'jobs', 'run', 'report', '--wait');
      assert.equal(report.code, 0, report.err);
      assert.match((await berth(dir, 'logs', 'report')).out, /report: the api has served \d+ request\(s\)/);
      stack = processesOf(dir);
      for (const instance of status.instances) if (instance.pid !== null) assert.ok(stack.includes(instance.pid), `${instance.service}'s pid is among the stack's processes`);
    } finally {
      await berth(dir, 'down');
    }
    assert.ok(stack.length >= 3, `the daemon, api and worker were found running: ${stack.join(', ')}`);
    assert.deepEqual(stack.filter(isProcessAlive), [], 'nothing of the demo runs after down');
    assert.deepEqual(processesNaming(dir), []);
    rmSync(dir, { recursive: true, force: true });
  });
});
