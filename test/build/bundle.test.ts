import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { processesNaming } from '../helpers/processes.js';
import { writeFiles } from '../helpers/temp-stack.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'echo-instance.mjs');

// What the bundle may import from node_modules: the native addon and the lazily loaded clients. zod, yaml and the
// other small libraries the stack checker needs are bundled, because as separate ES modules their loading doubled
// the time of every `check` and `up` (scripts/build.mjs).
const LEFT_IN_NODE_MODULES = new Set(['better-sqlite3', 'pg', 'redis', 'acme-client', 'nodemailer']);

/** The packages (not Node built-ins) the bundle in `out` imports, static or dynamic, each once. */
function importedPackages(out: string): string[] {
  const names = new Set<string>();
  for (const dir of ['cli', 'edge']) {
    for (const file of readdirSync(join(out, dir)).filter((name) => name.endsWith('.js'))) {
      for (const match of readFileSync(join(out, dir, file), 'utf8').matchAll(/(?:from|import\()\s*"([^"./][^"]*)"/g)) {
        const specifier = match[1] ?? '';
        if (!specifier.startsWith('node:')) names.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? ''));
      }
    }
  }
  return [...names].sort();
}

/** The body of GET `path` through the edge on `port`, for `host` (fetch cannot set Host). */
function getThroughEdge(port: number, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        resolve(`${String(response.statusCode === 200 ? '' : response.statusCode)}${body}`);
      });
    }).on('error', reject).end();
  });
}

// What `npm run build` ships is an esbuild bundle (decision 0017), while every other test runs src/ under tsx: this
// one builds it and runs it as a user would, so a path that only works unbundled (the daemon's and the edge's
// entries, src/shared/entry-points.ts) fails here.
describe('the bundle scripts/build.mjs makes', () => {
  it('runs check, up -d with the daemon and the edge from the bundle, answers through the edge, and leaves nothing after down', async () => {
    // Inside the repository, so the bundle resolves node_modules as dist/ does.
    const out = join(root, 'node_modules', '.cache', `berth-test-bundle-${String(process.pid)}`);
    const port = await allocatePort();
    const dir = writeFiles({
      'berth.yml': `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
services:
  web: { command: ${process.execPath} ${fixture}, http: {}, ready: { http: /health }, routes: [{ host: app.test }] }
`,
    });
    const run = (...args: string[]) => spawnSync(process.execPath, [join(out, 'cli', 'run-main.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
    try {
      const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), out], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(built.status, 0, built.stderr);
      assert.ok(existsSync(join(out, 'edge', 'edge-main.js')), 'the edge entry is built');
      assert.deepEqual(importedPackages(out).filter((name) => !LEFT_IN_NODE_MODULES.has(name)), [], 'the checker\'s pure-JS dependencies are in the bundle');
      const check = run('check');
      assert.equal(check.status, 0, check.stderr);
      const up = run('up', '-d');
      assert.equal(up.status, 0, `${up.stdout}${up.stderr}`);
      assert.match(up.stdout, /web\.1\s+running/);
      const daemons = processesNaming(`${out}/cli/run-main.js\0daemon`);
      assert.equal(daemons.length, 1, 'the daemon runs from the bundle');
      assert.ok(processesNaming(`${out}/edge/edge-main.js`).length >= 2, 'the edge primary and its worker run from the bundle');
      assert.equal(await getThroughEdge(port, 'app.test', '/who'), 'web.1 /who');
      const down = run('down');
      assert.equal(down.status, 0, down.stderr);
      assert.deepEqual(processesNaming(out), [], 'nothing of the bundle runs after down');
    } finally {
      run('down');
      rmSync(out, { recursive: true, force: true });
    }
  });
});
