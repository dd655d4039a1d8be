import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { deployLockPath } from '../../src/deploy/deploy-lock.js';
import { allocatePort } from '../../src/supervisor/allocate-port.js';
import { findProcesses } from '../helpers/processes.js';
import { runBerth, type BerthRun } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'deploy-app');
const runMain = join(import.meta.dirname, '..', '..', 'src', 'cli', 'run-main.ts');
const env = { PATH: process.env.PATH ?? '' };
const TOKEN = 'tok-6f1d2c9a8b7e';

function stackYaml(port: number, dir: string, workerEnv = 'one'): string {
  return `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
deploy: { verify: 1s }
env_file: .env
env: { BUILD_LOG: ${join(dir, 'build.log')}, MIGRATE_LOG: ${join(dir, 'migrate.log')} }
services:
  web:
    command: ${process.execPath} app.mjs
    http: {}
    ready: { http: /health, start_timeout: 3s }
    routes: [{ host: app.test }]
    build: { command: ${process.execPath} build.mjs, inputs: [frontend/**] }
    release: ${process.execPath} migrate.mjs
    env: { GREETING: hello }
  worker:
    command: ${process.execPath} worker.mjs
    env: { MODE: ${workerEnv} }
`;
}

/** A stack folder with the fixture app (VERSION v1), its logs outside the release (a sibling folder). */
function makeApp(port: number): { dir: string; logs: string } {
  const logs = writeFiles({ 'build.log': '', 'migrate.log': '' });
  const dir = writeFiles({ 'berth.yml': stackYaml(port, logs), VERSION: 'v1\n', 'frontend/src.txt': 'a\n', '.env': `API_TOKEN=${TOKEN}\n` });
  for (const name of ['app.mjs', 'build.mjs', 'migrate.mjs', 'worker.mjs']) copyFileSync(join(fixtures, name), join(dir, name));
  return { dir, logs };
}

async function get(port: number): Promise<string> {
  const response = await request(`http://127.0.0.1:${String(port)}/`, { headers: { host: 'app.test' } });
  return `${String(response.statusCode)} ${await response.body.text()}`;
}

const berth = (dir: string, ...args: string[]): Promise<BerthRun> => runBerth(dir, env, ...args);

async function pids(dir: string): Promise<Record<string, number | null>> {
  const { out } = await berth(dir, 'status', '--json');
  const status = JSON.parse(out) as { instances: { service: string; pid: number | null; phase: string }[] };
  return Object.fromEntries(status.instances.filter((i) => i.phase === 'running').map((i) => [i.service, i.pid]));
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
const releaseIds = (dir: string): string[] => (existsSync(join(dir, '.berth', 'releases')) ? readdirSync(join(dir, '.berth', 'releases')).filter((n) => !n.startsWith('.')) : []);

/** Requests through the edge back to back until stopped; counts what did not answer 200. */
function loadLoop(port: number): { stop: () => Promise<{ ok: number; failed: string[] }> } {
  const agent = new Agent({ connections: 4 });
  let running = true;
  const failed: string[] = [];
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const response = await request(`http://127.0.0.1:${String(port)}/`, { headers: { host: 'app.test' }, dispatcher: agent });
        const body = await response.body.text();
        if (response.statusCode === 200) ok += 1;
        else failed.push(`${String(response.statusCode)} ${body}`);
      } catch (error) {
        failed.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const workers = Array.from({ length: 4 }, () => worker());
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      await agent.close();
      return { ok, failed };
    },
  };
}

/** Processes running a deploy build of a release (their command line names `.berth/releases`). */
function buildProcesses(): number[] {
  return findProcesses((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('build.mjs') && readlinkSync(`/proc/${p}/cwd`).includes(`${sep}.berth${sep}releases${sep}`));
}

describe('berth deploy against a running stack', () => {
  it('ships, does nothing when nothing changed, restarts only what changed, reuses builds, keeps the old version on every failure, rolls back, takes over a stale lock', async () => {
    const port = await allocatePort();
    const { dir, logs } = makeApp(port);
    try {
      const up = await berth(dir, 'up', '-d');
      assert.equal(up.code, 0, up.err);
      assert.equal(await get(port), '200 v1 unbuilt hello', 'before the first deploy the app runs from the stack folder');

      // First deploy: the running services are adopted and switched to the release; build and release step run.
      const first = await berth(dir, 'deploy');
      assert.equal(first.code, 0, first.out + first.err);
      assert.match(first.out, /web +stack folder → \d{8}-\d{9}-[0-9a-f]{8} +done/);
      assert.match(first.out, /Deployed release/);
      assert.equal(await get(port), '200 v1 built:a hello');
      assert.deepEqual(lines(join(logs, 'build.log')), ['build']);
      assert.deepEqual(lines(join(logs, 'migrate.log')), ['v1 hello']);
      const released = releaseIds(dir);
      assert.equal(released.length, 1);
      const shown = await berth(dir, 'status');
      assert.match(shown.out, new RegExp(`release ${released[0] ?? '?'}, deployed \\d{4}-`), 'berth status names the running release');

      // Nothing changed: nothing is done, no release is made, within a second.
      const noop = await berth(dir, 'deploy');
      assert.equal(noop.code, 0, noop.err);
      assert.match(noop.out, /Nothing to do: nothing changed/);
      assert.ok(noop.ms < 1000, `a no-op deploy took ${String(noop.ms)} ms`);
      assert.deepEqual(releaseIds(dir), released);

      // A config change of the worker restarts the worker only; no build, no release step.
      const before = await pids(dir);
      writeFileSync(join(dir, 'berth.yml'), stackYaml(port, logs, 'two'));
      const config = await berth(dir, 'deploy');
      assert.equal(config.code, 0, config.out + config.err);
      const after = await pids(dir);
      assert.equal(after.web, before.web, 'web was not touched');
      assert.notEqual(after.worker, before.worker, 'worker was replaced');
      assert.doesNotMatch(config.out, /^(web|build web|release web) /m);
      assert.deepEqual(lines(join(logs, 'build.log')), ['build']);

      // A code change under load: zero failed requests; the build (inputs unchanged) is reused, migrations run.
      writeFileSync(join(dir, 'VERSION'), 'v2\n');
      const load = loadLoop(port);
      const v2 = await berth(dir, 'deploy');
      const served = await load.stop();
      assert.equal(v2.code, 0, v2.out + v2.err);
      assert.deepEqual(served.failed, [], `failed requests during the deploy: ${served.failed.slice(0, 5).join('; ')}`);
      assert.ok(served.ok > 20, `only ${String(served.ok)} requests answered`);
      assert.match(v2.out, /build web +reused/);
      assert.deepEqual(lines(join(logs, 'build.log')), ['build'], 'the build did not run again');
      assert.equal(await get(port), '200 v2 built:a hello', 'the reused build output is in the new release');
      assert.deepEqual(lines(join(logs, 'migrate.log')), ['v1 hello', 'v2 hello'], 'the release step ran with the new code');

      // Each failure leaves v2 serving and says why.
      const failures: [string, () => void, RegExp, () => void][] = [
        ['build', () => { writeFileSync(join(dir, 'frontend', 'FAIL'), ''); }, /build failed on purpose \(token <redacted>\)/, () => { rmSync(join(dir, 'frontend', 'FAIL')); }],
        ['release step', () => { writeFileSync(join(dir, 'FAIL_MIGRATE'), ''); writeFileSync(join(dir, 'VERSION'), 'v3\n'); }, /migration failed on purpose/, () => { rmSync(join(dir, 'FAIL_MIGRATE')); }],
        ['readiness', () => { writeFileSync(join(dir, 'BROKEN'), ''); }, /HTTP 500/, () => { rmSync(join(dir, 'BROKEN')); }],
        ['crash during verification', () => { writeFileSync(join(dir, 'CRASH'), ''); }, /crashed \(exited with code 3/, () => { rmSync(join(dir, 'CRASH')); }],
      ];
      for (const [what, breakIt, why, fix] of failures) {
        breakIt();
        const failed = await berth(dir, 'deploy');
        fix();
        assert.equal(failed.code, 1, `${what}: ${failed.out}`);
        assert.match(failed.out + failed.err, why, what);
        assert.match(failed.err, /BERTH_E_DEPLOY_FAILED/, what);
        assert.match(failed.out, /The previous version keeps serving/, what);
        assert.ok(!(failed.out + failed.err).includes(TOKEN), `${what}: the env file's token is blanked`);
        assert.equal(await get(port), '200 v2 built:a hello', `${what}: the old version serves`);
      }
      assert.ok(!existsSync(deployLockPath(join(dir, '.berth'))), 'every failed deploy released the lock');

      // After the failures a deploy still works (the supervisor went back to the old definitions each time).
      writeFileSync(join(dir, 'VERSION'), 'v3\n');
      const v3 = await berth(dir, 'deploy');
      assert.equal(v3.code, 0, v3.out + v3.err);
      assert.equal(await get(port), '200 v3 built:a hello');

      // Rollback to the previous release: no build, no release step, and a warning about the migration since.
      const migrations = lines(join(logs, 'migrate.log')).length;
      const back = await berth(dir, 'rollback');
      assert.equal(back.code, 0, back.out + back.err);
      assert.equal(await get(port), '200 v2 built:a hello');
      assert.match(back.out, /warning: release \S+ predates the release step \(migrations\)/);
      assert.doesNotMatch(back.out, /^(build|release) web/m);
      assert.equal(lines(join(logs, 'migrate.log')).length, migrations, 'a rollback does not run migrations');
      const unknown = await berth(dir, 'rollback', '20200101-000000000-deadbeef');
      assert.equal(unknown.code, 2, unknown.out + unknown.err);
      assert.match(unknown.err, /BERTH_E_ROLLBACK_TARGET: release 20200101-000000000-deadbeef is not kept/);
      assert.match(unknown.err, /hint: name a kept release \(`berth releases` lists them\)/);
      const listed = await berth(dir, 'releases', '--json');
      const releases = JSON.parse(listed.out) as { running: string; history: { kind: string; state: string }[] };
      assert.equal(releases.history[0]?.kind, 'rollback');
      assert.deepEqual(releases.history.map((h) => h.state).filter((s) => s === 'rolled_back').length, 2);
      assert.deepEqual(releases.history.map((h) => h.state).filter((s) => s === 'failed').length, 2);
      const events = (await berth(dir, 'events', '--type', 'deploy_succeeded,deploy_failed,deploy_rolled_back', '--json')).out.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
      assert.deepEqual(events.filter((t) => t === 'deploy_rolled_back').length, 2, events.join());
      assert.deepEqual(events.filter((t) => t === 'deploy_failed').length, 2, events.join());
      assert.ok(events.filter((t) => t === 'deploy_succeeded').length >= 5, events.join());

      // A lock left by a dead deploy on this host is taken over with a warning; a live one refuses.
      const dead = spawn('true');
      await new Promise((resolve) => dead.once('exit', resolve));
      writeFileSync(deployLockPath(join(dir, '.berth')), JSON.stringify({ holder: 'someone', pid: dead.pid, host: (await import('node:os')).hostname(), time: new Date().toISOString(), startTime: null, token: 'abc' }));
      writeFileSync(join(dir, 'VERSION'), 'v4\n');
      const stale = await berth(dir, 'deploy');
      assert.equal(stale.code, 0, stale.out + stale.err);
      assert.match(stale.err, /BERTH_W_DEPLOY_LOCK_TAKEN_OVER: took over the deploy lock of someone/);
      assert.equal(await get(port), '200 v4 built:a hello');

      // After a restart of the daemon the services run from their release, not from the working tree.
      writeFileSync(join(dir, 'VERSION'), 'v5-not-deployed\n');
      assert.equal((await berth(dir, 'down')).code, 0);
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      assert.equal(await get(port), '200 v4 built:a hello');
    } finally {
      await berth(dir, 'down');
    }
  });

  it('backs up first when backup.before_deploy is set, and a failed backup aborts the deploy before anything changes', async () => {
    const port = await allocatePort();
    const logs = writeFiles({ 'build.log': '', 'migrate.log': '', 'hooks.log': '' });
    const yaml = `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
deploy:
  verify: 1s
  hooks:
    pre: ['echo "pre $BERTH_RELEASE $(cat VERSION)" >> ${join(logs, 'hooks.log')}']
    post: ['echo "post $BERTH_RELEASE" >> ${join(logs, 'hooks.log')}', 'exit 3']
env: { BUILD_LOG: ${join(logs, 'build.log')}, MIGRATE_LOG: ${join(logs, 'migrate.log')} }
services:
  web:
    command: ${process.execPath} app.mjs
    http: {}
    ready: { http: /health }
    routes: [{ host: app.test }]
    release: ${process.execPath} migrate.mjs
    backup: { before_deploy: true, paths: [./uploads] }
`;
    const dir = writeFiles({ 'berth.yml': yaml, VERSION: 'v1\n', 'uploads/a.png': 'png', '.berthignore': 'uploads/\n' });
    copyFileSync(join(fixtures, 'app.mjs'), join(dir, 'app.mjs'));
    copyFileSync(join(fixtures, 'migrate.mjs'), join(dir, 'migrate.mjs'));
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      const first = await berth(dir, 'deploy');
      assert.equal(first.code, 0, first.out + first.err);
      assert.match(first.out, /ok {2}backup web \(\d+\.\d s\): backup \S+ verified/);
      assert.ok(first.out.indexOf('backup web') < first.out.indexOf('release web'), 'the backup comes before the release step');
      // Hooks: pre in the new release before anything changed, post after the record; a failing post hook is a warning.
      const release = /Deployed release (\S+) in/.exec(first.out)?.[1] ?? '?';
      assert.deepEqual(lines(join(logs, 'hooks.log')), [`pre ${release} v1`, `post ${release}`]);
      assert.match(first.out, /warning +hook post 2/);
      const listed = JSON.parse((await berth(dir, 'backups', '--json')).out) as { trigger: string; state: string }[];
      assert.deepEqual(listed.map((b) => [b.trigger, b.state]), [['deploy', 'verified']]);

      // The folder to back up is gone: the backup fails, so nothing else runs and v1 keeps serving.
      rmSync(join(dir, 'uploads'), { recursive: true });
      writeFileSync(join(dir, 'VERSION'), 'v2\n');
      const failed = await berth(dir, 'deploy');
      assert.equal(failed.code, 1, failed.out);
      assert.match(failed.out, /failed {2}backup web/);
      assert.doesNotMatch(failed.out, /release web/);
      assert.deepEqual(lines(join(logs, 'migrate.log')), ['v1 undefined'], 'the release step did not run again');
      assert.equal(await get(port), '200 v1 unbuilt ');
    } finally {
      await berth(dir, 'down');
    }
  });

  it('a one-shot runs again to completion before the services that wait for it switch', async () => {
    const port = await allocatePort();
    const logs = writeFiles({ 'prep.log': '' });
    const yaml = `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
deploy: { verify: 1s }
services:
  prep:
    command: ${process.execPath} prep.mjs
    oneshot: true
  web:
    command: ${process.execPath} app.mjs
    http: {}
    ready: { http: /health }
    routes: [{ host: app.test }]
    depends_on: { prep: completed }
`;
    // The one-shot takes a moment, so a dependent switched before it completed would be caught waiting.
    const prep = `import { appendFileSync, readFileSync } from 'node:fs';\nawait new Promise((r) => setTimeout(r, 300));\nappendFileSync(${JSON.stringify(join(logs, 'prep.log'))}, readFileSync('VERSION', 'utf8'));\n`;
    const dir = writeFiles({ 'berth.yml': yaml, VERSION: 'v1\n', 'prep.mjs': prep });
    copyFileSync(join(fixtures, 'app.mjs'), join(dir, 'app.mjs'));
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      writeFileSync(join(dir, 'VERSION'), 'v2\n');
      const deployed = await berth(dir, 'deploy');
      assert.equal(deployed.code, 0, deployed.out + deployed.err);
      assert.match(deployed.out, /^prep +stack folder → \S+ +done/m);
      assert.match(deployed.out, /^web +stack folder → \S+ +done/m);
      assert.deepEqual(lines(join(logs, 'prep.log')), ['v1', 'v2'], 'the one-shot ran again with the new code');
      assert.equal(await get(port), '200 v2 unbuilt ');
    } finally {
      await berth(dir, 'down');
    }
  });

  it('Ctrl-C during a deploy interrupts it: the old version serves, the lock is released, the history says interrupted', async () => {
    const port = await allocatePort();
    const { dir, logs } = makeApp(port);
    try {
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      assert.equal((await berth(dir, 'deploy')).code, 0);
      // A slow build: the interrupt lands while it runs.
      writeFileSync(join(dir, 'build.mjs'), `${readFileSync(join(fixtures, 'build.mjs'), 'utf8')}\nawait new Promise((r) => setTimeout(r, 20000));\n`);
      writeFileSync(join(dir, 'frontend', 'src.txt'), 'b\n'); // an input changed: the build runs
      const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), runMain, 'deploy'], { cwd: dir, env });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (lines(join(logs, 'build.log')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(lines(join(logs, 'build.log')).length, 2, `the slow build started: ${out}${err}`);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 1, out + err);
      assert.match(err, /interrupting/);
      assert.match(out + err, /interrupted/);
      assert.ok(!existsSync(deployLockPath(join(dir, '.berth'))), 'the lock was released');
      assert.equal(await get(port), '200 v1 built:a hello');
      const listed = JSON.parse((await berth(dir, 'releases', '--json')).out) as { history: { state: string }[] };
      assert.equal(listed.history[0]?.state, 'interrupted');
      // The build's process group is gone with it.
      assert.deepEqual(buildProcesses(), [], 'no build process is left');

      // R1: the daemon is SIGKILLed while a deploy builds. The CLI says so and releases the lock; the next daemon
      // reaps the build, marks the deploy interrupted and serves the release deployed before.
      writeFileSync(join(dir, 'frontend', 'src.txt'), 'c\n');
      const second = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), runMain, 'deploy'], { cwd: dir, env });
      let secondErr = '';
      second.stderr.on('data', (chunk: Buffer) => (secondErr += chunk.toString()));
      const until = Date.now() + 30_000;
      while (lines(join(logs, 'build.log')).length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(lines(join(logs, 'build.log')).length, 3, 'the second slow build started');
      assert.equal(buildProcesses().length > 0, true, 'the build runs');
      const daemon = JSON.parse(readFileSync(join(dir, '.berth', 'daemon.json'), 'utf8')) as { pid: number };
      process.kill(daemon.pid, 'SIGKILL');
      const secondCode = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      assert.equal(secondCode, 1);
      assert.match(secondErr, /lost the daemon/);
      assert.ok(!existsSync(deployLockPath(join(dir, '.berth'))), 'the lock was released');
      assert.equal((await berth(dir, 'up', '-d')).code, 0);
      assert.deepEqual(buildProcesses(), [], 'the next daemon reaped the orphaned build');
      assert.equal(await get(port), '200 v1 built:a hello');
      const after = JSON.parse((await berth(dir, 'releases', '--json')).out) as { history: { state: string }[] };
      assert.equal(after.history[0]?.state, 'interrupted');
    } finally {
      await berth(dir, 'down');
    }
  });
});
