// Deploy errors from a real daemon: a second deploy request while one runs (the daemon's own refusal, which the
// deploy lock normally keeps the CLI from reaching), and a release snapshot that cannot be written.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { streamApi } from '../../src/client/api-client.js';
import { loadStack } from '../../src/config/load-stack.js';
import type { DeployMessage } from '../../src/daemon/deploy-controller.js';
import { encodeStack } from '../../src/daemon/stack-handoff.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { deployLockPath } from '../../src/deploy/deploy-lock.js';
import { snapshotRelease } from '../../src/deploy/snapshot-release.js';
import { getCatalogEntry } from '../../src/errors/catalog.js';
import { BerthError } from '../../src/errors/diagnostic.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { runBerth, type BerthRun } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { until } from '../helpers/until.js';

const echo = join(import.meta.dirname, '..', 'fixtures', 'echo-instance.mjs');
const env = { PATH: process.env.PATH ?? '' };

const berth = (dir: string, ...args: string[]): Promise<BerthRun> => runBerth(dir, env, ...args);

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function get(port: number): Promise<string> {
  const response = await request(`http://127.0.0.1:${String(port)}/`, { headers: { host: 'app.test' } });
  return `${String(response.statusCode)} ${await response.body.text()}`;
}

/**
 * A routed app whose build says it started (`SIGNAL_DIR/started`) and then waits for `SIGNAL_DIR/go`: the test
 * decides how long a deploy runs, however loaded the machine is.
 */
async function makeApp(): Promise<{ dir: string; signals: string; port: number }> {
  const port = await allocatePort();
  const signals = writeFiles({});
  const dir = writeFiles({
    'app.mjs': `await import(${JSON.stringify(echo)});\n`,
    'build.mjs': `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
writeFileSync(process.env.SIGNAL_DIR + '/started', '');
const deadline = Date.now() + 120000;
while (!existsSync(process.env.SIGNAL_DIR + '/go') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
`,
    'berth.yml': `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
deploy: { verify: 1s }
env: { SIGNAL_DIR: ${signals} }
services:
  web:
    command: ${process.execPath} app.mjs
    http: {}
    ready: { http: /health }
    routes: [{ host: app.test }]
    build: { command: ${process.execPath} build.mjs }
`,
  });
  return { dir, signals, port };
}

describe('snapshotRelease errors', () => {
  it('throws BERTH_E_DEPLOY_SNAPSHOT naming the releases folder and the cause when it cannot be written', () => {
    const root = writeFiles({ 'app.mjs': 'x\n', '.berth/releases': 'a regular file\n' });
    const releasesDir = join(root, '.berth', 'releases');
    assert.throws(() => snapshotRelease({ root, releasesDir, ref: null }), (error: unknown) => {
      assert.ok(error instanceof BerthError, String(error));
      assert.equal(error.diagnostics.length, 1);
      const [diagnostic] = error.diagnostics;
      assert.equal(diagnostic?.code, 'BERTH_E_DEPLOY_SNAPSHOT');
      assert.match(diagnostic.message, new RegExp(`^cannot snapshot the app into ${escape(releasesDir)}: ENOTDIR: not a directory, mkdir `));
      assert.equal(diagnostic.hint, 'check the disk has room and this user may write to .berth/; nothing was deployed');
      return true;
    });
    assert.equal(readFileSync(releasesDir, 'utf8'), 'a regular file\n', 'left as it was');
  });
});

describe('deploy errors from the daemon', { timeout: 240_000 }, () => {
  it('refuses a second deploy request while one runs (BERTH_E_DEPLOY_BUSY), and the first one finishes', async () => {
    const { dir, signals, port } = await makeApp();
    const file = join(dir, 'berth.yml');
    let first: Promise<{ code: number; out: string; err: string }> | null = null;
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      first = berth(dir, 'deploy');
      await until('the first deploy\'s build', () => existsSync(join(signals, 'started')), 60_000);

      // The CLI is stopped by the lock before it reaches the daemon ...
      const viaCli = await berth(dir, 'deploy');
      assert.equal(viaCli.code, 1);
      assert.match(viaCli.err, /BERTH_E_DEPLOY_LOCKED: another deploy holds the deploy lock/);

      // ... so the daemon's own refusal is asked for directly, with a well-formed request for this stack.
      const loaded = loadStack({ file });
      assert.ok(loaded.ok, JSON.stringify(loaded));
      const lines: DeployMessage[] = [];
      const body = JSON.stringify({ kind: 'deploy', stack: encodeStack(loaded.stack), configFiles: [file], ref: null, target: null, holder: 'second request' });
      const second = await streamApi(getStatePaths(file).socket, '/v1/deploy', body, (value) => lines.push(value as DeployMessage)).done;
      assert.ok(second.ok && second.status === 200, JSON.stringify(second));
      assert.deepEqual(lines, [{ type: 'error', code: 'BERTH_E_DEPLOY_BUSY', message: 'a deploy is already running in this daemon' }]);
      // What the CLI adds to that answer: the catalog's hint (it takes no values).
      assert.equal(getCatalogEntry('BERTH_E_DEPLOY_BUSY').hint, 'wait for it to end (`berth releases` shows it), then deploy again');

      writeFileSync(join(signals, 'go'), '');
      const done = await first;
      first = null;
      assert.equal(done.code, 0, done.out + done.err);
      assert.match(await get(port), /^200 web\.\d+ \/$/);
      const releases = JSON.parse((await berth(dir, 'releases', '--json')).out) as { history: { state: string; holder: string }[] };
      assert.equal(releases.history.length, 1, 'the refused request left no trace in the history');
      assert.notEqual(releases.history[0]?.holder, 'second request');
    } finally {
      writeFileSync(join(signals, 'go'), '');
      await first;
      await berth(dir, 'down');
    }
  });

  it('reports a release that cannot be written (BERTH_E_DEPLOY_SNAPSHOT) and changes nothing', async () => {
    const { dir, signals, port } = await makeApp();
    writeFileSync(join(signals, 'go'), '');
    const stateDir = getStatePaths(join(dir, 'berth.yml')).stateDir;
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      const before = await get(port);
      assert.equal(before, '200 web.1 /');
      // A regular file where the releases folder belongs: not even root can make folders inside it.
      writeFileSync(join(stateDir, 'releases'), 'not a folder\n');
      const deploy = await berth(dir, 'deploy');
      assert.equal(deploy.code, 1, deploy.out + deploy.err);
      assert.match(deploy.err, new RegExp(`^berth deploy: BERTH_E_DEPLOY_SNAPSHOT: cannot snapshot the app into ${escape(join(stateDir, 'releases'))}: ENOTDIR: not a directory.*\\n {2}hint: check the disk has room and this user may write to \\.berth/; nothing was deployed$`));
      assert.equal(existsSync(join(signals, 'started')), false, 'no build ran');
      assert.equal(await get(port), before, 'the running version still serves');
      assert.equal(existsSync(deployLockPath(stateDir)), false, 'the lock was released');
    } finally {
      await berth(dir, 'down');
    }
  });
});
