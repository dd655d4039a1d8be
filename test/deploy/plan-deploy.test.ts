import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadStack } from '../../src/config/load-stack.js';
import type { ResolvedStack } from '../../src/config/resolved-stack.js';
import { computeJobHashes, computeServiceHashes, listConfigFiles, type JobHashes, type ServiceHashes } from '../../src/deploy/content-hash.js';
import { EMPTY_DEPLOY_STATE, type DeployState } from '../../src/deploy/deploy-state.js';
import { planDeploy, type DeployPlan, type ServiceAction } from '../../src/deploy/plan-deploy.js';
import { recordDeploy } from '../../src/deploy/record-deploy.js';
import { hashWorkingTree } from '../../src/deploy/snapshot-release.js';
import { writeFiles } from '../helpers/temp-stack.js';

const STACK = `services:
  db:
    recipe: postgres
    data: ./data/db
    password: \${DB_PASSWORD}
    backup: { before_deploy: true }
  cache: { recipe: redis, data: ./data/cache }
  web:
    command: node server.js
    http: {}
    release: node migrate.js
    build: { command: npm run build, inputs: ["web/src/**", web/package.json] }
    env: { DATABASE_URL: "\${services.db.url}", GREETING: hello }
    depends_on: [db, cache]
    routes: [{ host: app.example.com }]
  assets:
    static: { dir: ./public }
    build: { command: node build-assets.js, inputs: [assets/**] }
    routes: [{ host: static.example.com }]
  worker:
    command: node worker.js
    env: { QUEUE: default }
    depends_on: [cache]
  clock:
    command: node clock.js
    singleton: true
`;

const APP = {
  'berth.yml': STACK,
  '.env': 'DB_PASSWORD=pw-123456789\n',
  'server.js': 'serve()\n',
  'worker.js': 'work()\n',
  'clock.js': 'tick()\n',
  'migrate.js': 'migrate()\n',
  'web/src/app.js': 'app()\n',
  'web/package.json': '{}\n',
  'assets/site.css': 'body{}\n',
};

interface Planned {
  readonly stack: ResolvedStack;
  readonly hashes: Record<string, ServiceHashes>;
  readonly jobHashes: Record<string, JobHashes>;
  readonly plan: DeployPlan;
}

/** Loads the stack in `root` as `berth deploy --plan` does and plans against `previous`. */
function planIn(root: string, previous: DeployState): Planned {
  const loaded = loadStack({ file: join(root, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const { stack } = loaded;
  const configFiles = listConfigFiles(root, [stack.file, ...loaded.context.sources.keys(), ...loaded.context.envFiles]);
  const tree = hashWorkingTree(root).tree;
  const hashes = computeServiceHashes(stack, tree, configFiles);
  const jobHashes = computeJobHashes(stack, tree, configFiles);
  return { stack, hashes, jobHashes, plan: planDeploy({ stack, hashes, jobHashes, previous }) };
}

/** A stack deployed once as release R1: its folder and state. */
function deployedApp(files: Readonly<Record<string, string>> = APP): { root: string; state: DeployState } {
  const root = writeFiles(files);
  const first = planIn(root, EMPTY_DEPLOY_STATE);
  return { root, state: recordDeploy(EMPTY_DEPLOY_STATE, first.plan, first.hashes, first.jobHashes, '20250101-000000000-aaaaaaaa', new Date('2025-01-01T00:00:00Z')) };
}

const actions = (plan: DeployPlan): Record<string, ServiceAction> => Object.fromEntries(plan.services.map((s) => [s.service, s.action]));
const changed = (plan: DeployPlan): Record<string, string> => Object.fromEntries(plan.services.filter((s) => s.action !== 'unchanged').map((s) => [s.service, `${s.action}: ${s.reasons.join(', ')}`]));
const builds = (plan: DeployPlan): Record<string, string> => Object.fromEntries(plan.builds.map((b) => [b.service, b.run ? `runs: ${b.reason}` : `reused from ${b.reuseFrom ?? '?'}`]));
const edit = (root: string, path: string, text: string): void => {
  writeFileSync(join(root, path), text);
};

describe('planDeploy', () => {
  it('a first deploy starts everything in dependency order, runs every build and the release step', () => {
    const { plan } = planIn(writeFiles(APP), EMPTY_DEPLOY_STATE);
    assert.equal(plan.changed, true);
    assert.deepEqual(plan.services.map((s) => s.service), ['assets', 'cache', 'clock', 'db', 'web', 'worker']);
    assert.ok(plan.services.every((s) => s.action === 'start' && s.reasons.join() === 'new service'));
    assert.deepEqual(builds(plan), { assets: 'runs: new service', web: 'runs: new service' });
    assert.deepEqual(plan.release.commands, [{ service: 'web', reason: 'new service' }]);
    assert.deepEqual(plan.backups, [{ service: 'db', reason: 'changes in this deploy' }]);
  });

  it('a fixed port cannot run two instances and a one-shot must run to completion: both are replaced; hooks run after the snapshot and after the record', () => {
    const yaml = `deploy: { hooks: { pre: [echo pre], post: [echo post-1, echo post-2] } }
services:
  web: { command: node server.js, port: 8080, http: {}, routes: [{ host: a.test }] }
  api: { command: node server.js, http: {}, routes: [{ host: b.test }] }
  prep: { command: node server.js --prep, oneshot: true }
`;
    const root = writeFiles({ 'berth.yml': yaml, 'server.js': 'x' });
    const first = planIn(root, EMPTY_DEPLOY_STATE);
    const state = recordDeploy(EMPTY_DEPLOY_STATE, first.plan, first.hashes, first.jobHashes, '20250101-000000000-aaaaaaaa', new Date('2025-01-01T00:00:00Z'));
    edit(root, 'server.js', 'y');
    const { plan } = planIn(root, state);
    assert.deepEqual(actions(plan), { api: 'blue-green', prep: 'replace', web: 'replace' });
    assert.match(plan.services.find((s) => s.service === 'prep')?.how ?? '', /one-shot: runs again/);
    assert.match(plan.services.find((s) => s.service === 'web')?.how ?? '', /fixed port 8080/);
    const kinds = plan.steps.map((s) => (s.kind === 'hook' ? `hook ${s.phase} ${String(s.index)}` : s.kind));
    assert.deepEqual(kinds, ['lock', 'snapshot', 'hook pre 0', 'deploy', 'deploy', 'deploy', 'verify', 'record', 'hook post 0', 'hook post 1']);
  });

  it('nothing changed: an empty plan that says so', () => {
    const { root, state } = deployedApp();
    const { plan } = planIn(root, state);
    assert.equal(plan.changed, false);
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(plan.backups, []);
    assert.equal(plan.release.runs, false);
    assert.equal(plan.summary, 'nothing changed: 6 services as deployed in release 20250101-000000000-aaaaaaaa; nothing to do');
    assert.ok(Object.values(actions(plan)).every((a) => a === 'unchanged'));
    assert.deepEqual(builds(plan), { assets: 'reused from 20250101-000000000-aaaaaaaa', web: 'reused from 20250101-000000000-aaaaaaaa' });
    // the deploy state survives a round trip through JSON (the state file)
    assert.equal(planIn(root, JSON.parse(JSON.stringify(state)) as DeployState).plan.changed, false);
  });

  it('a changed build input runs that build and reuses the others; the app code changed, so the app services change, not the data services', () => {
    const { root, state } = deployedApp();
    edit(root, 'assets/site.css', 'body{color:red}\n');
    const { plan } = planIn(root, state);
    assert.deepEqual(builds(plan), { assets: 'runs: inputs changed', web: 'reused from 20250101-000000000-aaaaaaaa' });
    assert.deepEqual(changed(plan), {
      assets: 'blue-green: app code changed, build inputs changed',
      clock: 'replace: app code changed',
      web: 'blue-green: app code changed',
      worker: 'overlap: app code changed',
    });
    assert.deepEqual(actions(plan).db, 'unchanged');
    assert.deepEqual(plan.steps.filter((s) => s.kind === 'build' || s.kind === 'reuse-build'), [{ kind: 'build', service: 'assets' }, { kind: 'reuse-build', service: 'web', from: '20250101-000000000-aaaaaaaa' }]);
  });

  it('a changed env value changes that service only, by its strategy; dependents stay unless their own config changed', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('QUEUE: default', 'QUEUE: urgent'));
    let { plan } = planIn(root, state);
    assert.deepEqual(changed(plan), { worker: 'overlap: config changed' });
    assert.equal(plan.release.runs, false);
    assert.deepEqual(plan.backups, []);
    assert.deepEqual(builds(plan).web, 'reused from 20250101-000000000-aaaaaaaa');
    assert.equal(plan.summary, '1 of 6 services change; 0 builds run; release step does not run; no backups first');

    // a postgres setting: db is replaced (a data service never runs twice); web depends on it but its config is the same
    edit(root, 'berth.yml', STACK.replace('password: ${DB_PASSWORD}', 'password: ${DB_PASSWORD}\n    settings: { work_mem: 8MB }'));
    ({ plan } = planIn(root, state));
    assert.deepEqual(changed(plan), { db: 'replace: config changed' });
    assert.match(plan.services.find((s) => s.service === 'db')?.how ?? '', /old server stops, then the new one starts/);

    // a new port: web's DATABASE_URL resolves differently, so web changes too (and its release step runs: its env changed)
    edit(root, 'berth.yml', STACK.replace('password: ${DB_PASSWORD}', 'password: ${DB_PASSWORD}\n    port: 5433'));
    ({ plan } = planIn(root, state));
    assert.deepEqual(changed(plan), { db: 'replace: config changed', web: 'blue-green: config changed' });
    assert.deepEqual(plan.release.commands, [{ service: 'web', reason: 'release command or env changed' }]);

    // an env file value reaches every service's env, so every service changes; recipes and singletons by replace
    edit(root, 'berth.yml', STACK);
    edit(root, '.env', 'DB_PASSWORD=pw-rotated-987654\n');
    ({ plan } = planIn(root, state));
    assert.deepEqual(actions(plan), { assets: 'blue-green', cache: 'replace', clock: 'replace', db: 'replace', web: 'blue-green', worker: 'overlap' });
  });

  it('recipes and singletons replace even when the file asks for another strategy', () => {
    const stack = STACK.replace('cache: { recipe: redis, data: ./data/cache }', 'cache: { recipe: redis, data: ./data/cache, deploy: { strategy: overlap } }');
    const { root, state } = deployedApp({ ...APP, 'berth.yml': stack });
    edit(root, 'berth.yml', stack.replace('data: ./data/cache', 'data: ./data/cache, appendfsync: always'));
    const { plan } = planIn(root, state);
    assert.deepEqual(changed(plan), { cache: 'replace: config changed' });
  });

  it('the release step runs when its command, env, code or build changed, not for replicas or probes', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('command: node server.js', 'command: node server.js\n    replicas: 2'));
    let { plan } = planIn(root, state);
    assert.deepEqual(changed(plan), { web: 'blue-green: config changed' });
    assert.equal(plan.release.runs, false);
    assert.equal(plan.release.reason, 'release commands, their env, the app code and builds are unchanged');

    edit(root, 'berth.yml', STACK.replace('release: node migrate.js', 'release: node migrate.js --verbose'));
    ({ plan } = planIn(root, state));
    assert.deepEqual(plan.release, { runs: true, reason: 'web: release command or env changed', commands: [{ service: 'web', reason: 'release command or env changed' }] });

    edit(root, 'berth.yml', STACK);
    edit(root, 'migrate.js', 'migrate(2)\n');
    ({ plan } = planIn(root, state));
    assert.deepEqual(plan.release.commands, [{ service: 'web', reason: 'app code changed' }]);

    edit(root, 'migrate.js', APP['migrate.js']);
    edit(root, 'web/package.json', '{"v":2}\n');
    ({ plan } = planIn(root, state));
    assert.deepEqual(plan.release.commands, [{ service: 'web', reason: 'app code changed, build changed' }]);

    const bare = planIn(writeFiles({ ...APP, 'berth.yml': STACK.replace('    release: node migrate.js\n', '') }), EMPTY_DEPLOY_STATE).plan;
    assert.deepEqual(bare.release, { runs: false, reason: 'no service has a `release` command', commands: [] });
  });

  it('backups before the deploy: changed services with before_deploy, and what the release step runs against', () => {
    const { root, state } = deployedApp();
    edit(root, 'migrate.js', 'migrate(2)\n');
    const { plan } = planIn(root, state);
    assert.deepEqual(plan.backups, [{ service: 'db', reason: 'the release step of web runs against it' }]);
    edit(root, 'berth.yml', STACK.replace('QUEUE: default', 'QUEUE: urgent'));
    edit(root, 'migrate.js', APP['migrate.js']);
    assert.deepEqual(planIn(root, state).plan.backups, []);
  });

  it('lays out the steps: lock, snapshot, builds, backups, release, services in dependency order, verify, record', () => {
    const { root, state } = deployedApp();
    edit(root, 'web/src/app.js', 'app(2)\n');
    edit(root, 'berth.yml', STACK.replace('password: ${DB_PASSWORD}', 'password: ${DB_PASSWORD}\n    settings: { work_mem: 8MB }').replace('  clock:\n    command: node clock.js\n    singleton: true\n', ''));
    const { plan } = planIn(root, state);
    assert.deepEqual(plan.steps, [
      { kind: 'lock' },
      { kind: 'snapshot', ref: null },
      { kind: 'reuse-build', service: 'assets', from: '20250101-000000000-aaaaaaaa' },
      { kind: 'build', service: 'web' },
      { kind: 'backup', service: 'db' },
      { kind: 'release', service: 'web' },
      { kind: 'deploy', service: 'assets', action: 'blue-green' },
      { kind: 'deploy', service: 'db', action: 'replace' },
      { kind: 'deploy', service: 'web', action: 'blue-green' },
      { kind: 'deploy', service: 'worker', action: 'overlap' },
      { kind: 'stop', service: 'clock' },
      { kind: 'verify', window: '10s', services: ['assets', 'db', 'web', 'worker'] },
      { kind: 'record' },
    ]);
    assert.deepEqual(plan.services.at(-1), { service: 'clock', action: 'stop', reasons: ['removed from the stack'], how: 'its instances stop; its data folder is kept', from: '20250101-000000000-aaaaaaaa' });
    assert.equal(plan.summary, '5 of 6 services change; 1 build runs (1 reused); release step runs (web); 1 backup first');
  });

  it('recordDeploy: changed services move to the new release, unchanged ones keep theirs, reused builds keep their origin', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('QUEUE: default', 'QUEUE: urgent'));
    const second = planIn(root, state);
    const next = recordDeploy(state, second.plan, second.hashes, second.jobHashes, '20250102-000000000-bbbbbbbb', new Date('2025-01-02T00:00:00Z'));
    assert.equal(next.release, '20250102-000000000-bbbbbbbb');
    assert.equal(next.previousRelease, '20250101-000000000-aaaaaaaa');
    assert.equal(next.services.worker?.release, '20250102-000000000-bbbbbbbb');
    assert.equal(next.services.web?.release, '20250101-000000000-aaaaaaaa');
    assert.equal(next.services.web.builtIn, '20250101-000000000-aaaaaaaa');
    assert.equal(planIn(root, next).plan.changed, false);
  });
});
