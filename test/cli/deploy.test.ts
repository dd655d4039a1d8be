import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { loadStack } from '../../src/config/load-stack.js';
import { computeJobHashes, computeServiceHashes, listConfigFiles } from '../../src/deploy/content-hash.js';
import { deployStatePath, EMPTY_DEPLOY_STATE, writeDeployState } from '../../src/deploy/deploy-state.js';
import { planDeploy, type DeployPlan } from '../../src/deploy/plan-deploy.js';
import { recordDeploy } from '../../src/deploy/record-deploy.js';
import { hashWorkingTree } from '../../src/deploy/snapshot-release.js';
import { captureIo } from '../helpers/capture-io.js';
import { writeFiles } from '../helpers/temp-stack.js';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();

const STACK = `services:
  db: { recipe: postgres, data: ./data/db, password: "\${DB_PASSWORD}", backup: { before_deploy: true } }
  web:
    command: node server.js
    http: {}
    release: node migrate.js
    env: { DATABASE_URL: "\${services.db.url}" }
    depends_on: [db]
    routes: [{ host: app.example.com }]
  worker: { command: node worker.js, depends_on: [db] }
`;

/** A git repository holding a small app. */
function gitApp(files: Readonly<Record<string, string>>): string {
  const root = writeFiles({ '.gitignore': '.env\n.berth/\ndata/\n', '.env': 'DB_PASSWORD=pw-123456789\n', ...files });
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'one');
  return root;
}

/** Records the app as it is now as deployed (what the record step will write), in .berth/deploy-state.json. */
function markDeployed(root: string): void {
  const loaded = loadStack({ file: join(root, 'berth.yml') });
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.diagnostics.map((d) => d.message).join('\n'));
  const configFiles = listConfigFiles(root, [loaded.stack.file, ...loaded.context.sources.keys(), ...loaded.context.envFiles]);
  const tree = hashWorkingTree(root).tree;
  const hashes = computeServiceHashes(loaded.stack, tree, configFiles);
  const jobHashes = computeJobHashes(loaded.stack, tree, configFiles);
  const plan = planDeploy({ stack: loaded.stack, hashes, jobHashes, previous: EMPTY_DEPLOY_STATE });
  mkdirSync(join(root, '.berth'), { recursive: true });
  writeDeployState(deployStatePath(join(root, '.berth')), recordDeploy(EMPTY_DEPLOY_STATE, plan, hashes, jobHashes, '20250101-000000000-aaaaaaaa', new Date('2025-01-01T00:00:00Z')));
}

async function run(root: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(root);
  const code = await main(['deploy', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('berth deploy', () => {
  it('--plan prints the plan as tables and changes nothing', async () => {
    const root = gitApp({ 'berth.yml': STACK, 'server.js': 'serve()\n', 'worker.js': 'work()\n', 'migrate.js': 'migrate()\n' });
    markDeployed(root);
    writeFileSync(join(root, 'migrate.js'), 'migrate(2)\n');
    const { code, out, err } = await run(root, '--plan');
    assert.equal(code, 0, err);
    assert.equal(out, `Deploy plan for the working tree (deployed now: release 20250101-000000000-aaaaaaaa)

SERVICE  ACTION      FROM RELEASE                 WHY
db       unchanged   20250101-000000000-aaaaaaaa  config unchanged
web      blue-green  20250101-000000000-aaaaaaaa  app code changed
worker   overlap     20250101-000000000-aaaaaaaa  app code changed

  blue-green: new instances start beside the old; once ready the edge switches to them and the old drain and stop
  overlap: new instances start; once ready the old stop

Release step: runs (web: app code changed)
Backups first: db (the release step of web runs against it)

Steps:
   1. take the deploy lock
   2. snapshot the working tree into a new release
   3. back up db (abort on failure)
   4. run the release command of web with the new code and env (abort on failure)
   5. blue-green web
   6. overlap worker
   7. verify for 10s: web, worker stay healthy, else roll back
   8. record the release and the deploy

Summary: 2 of 3 services change; 0 builds run; release step runs (web); 1 backup first`);
    assert.ok(!existsSync(join(root, '.berth', 'releases')), 'a plan writes no release');
    assert.ok(!existsSync(join(root, '.berth', 'deploy.lock')));

    const json = await run(root, '--plan', '--json');
    assert.equal(json.code, 0);
    assert.deepEqual((JSON.parse(json.out) as DeployPlan).release.commands, [{ service: 'web', reason: 'app code changed' }]);
    assert.ok(!json.out.includes('pw-123456789'), 'no secret in the plan');
  });

  it('--plan --ref plans the committed code (the uncommitted change is not in it) without writing a release', async () => {
    const root = gitApp({ 'berth.yml': STACK, 'server.js': 'serve()\n', 'worker.js': 'work()\n', 'migrate.js': 'migrate()\n' });
    markDeployed(root);
    writeFileSync(join(root, 'server.js'), 'serve(2)\n');
    const atHead = await run(root, '--plan', '--ref', 'HEAD');
    assert.equal(atHead.code, 0, atHead.err);
    assert.match(atHead.out, /^Deploy plan for git ref HEAD/);
    assert.match(atHead.out, /Nothing changed: 3 services as deployed in release 20250101-000000000-aaaaaaaa; nothing to do$/);
    assert.ok(!existsSync(join(root, '.berth', 'releases')));
    const bad = await run(root, '--plan', '--ref', 'nope');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /BERTH_E_DEPLOY_REF: cannot deploy git ref nope: no such commit, branch or tag/);
  });

  it('without --plan and no daemon: BERTH_E_DEPLOY_NO_DAEMON, exit 1, no lock, no release made', async () => {
    const root = gitApp({ 'berth.yml': STACK });
    const { code, out, err } = await run(root);
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /BERTH_E_DEPLOY_NO_DAEMON: no Berth daemon runs stack .*berth\.yml/);
    assert.match(err, /berth up -d/);
    assert.ok(!existsSync(join(root, '.berth', 'deploy.lock')));
    assert.ok(!existsSync(join(root, '.berth', 'releases')));
  });

  it('an unreadable deploy state is reported, not planned around', async () => {
    const root = gitApp({ 'berth.yml': STACK });
    mkdirSync(join(root, '.berth'));
    writeFileSync(join(root, '.berth', 'deploy-state.json'), '{"version": 1, "services": {"web": {}}}');
    const { code, err } = await run(root, '--plan');
    assert.equal(code, 1);
    assert.match(err, /BERTH_E_DEPLOY_STATE: cannot read the deploy state .*deploy-state\.json: services\.web has a malformed hash/);
  });

  it('a no-op plan of a 20-service stack takes under a second', async () => {
    const services = Array.from({ length: 20 }, (_, i) => `  svc${String(i)}:\n    command: node svc.js ${String(i)}\n    env: { INDEX: "${String(i)}" }\n${i % 4 === 0 ? `    http: {}\n    routes: [{ host: s${String(i)}.example.com }]\n` : ''}${i % 5 === 1 ? `    build: { command: node build.js, inputs: ["src/${String(i)}/**"] }\n` : ''}${i > 0 ? `    depends_on: { svc${String(i - 1)}: started }\n` : ''}`);
    const files: Record<string, string> = { 'berth.yml': `services:\n${services.join('')}`, 'svc.js': 'run()\n', 'build.js': 'build()\n' };
    for (let i = 0; i < 200; i += 1) files[`src/${String(i % 20)}/file${String(i)}.js`] = `export const n = ${String(i)};\n`.repeat(50);
    const root = gitApp(files);
    markDeployed(root);
    await run(root, '--plan'); // warm
    const started = performance.now();
    const { code, out, err } = await run(root, '--plan');
    const ms = performance.now() - started;
    assert.equal(code, 0, err);
    assert.match(out, /Nothing changed: 20 services as deployed in release 20250101-000000000-aaaaaaaa; nothing to do$/);
    assert.ok(ms < 1000, `no-op plan took ${ms.toFixed(0)} ms`);
  });
});
