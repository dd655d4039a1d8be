// The deploy planner and `jobs:`: which jobs a deploy adds, changes or removes (against what the last deploy
// recorded), the `jobs` step that makes a jobs-only change a real deploy, and the record the next plan compares with.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatDeployPlan } from '../../src/cli/format-deploy-plan.js';
import { loadStack } from '../../src/config/load-stack.js';
import type { ResolvedStack } from '../../src/config/resolved-stack.js';
import { adoptRunning, STACK_FOLDER } from '../../src/deploy/adopt-running.js';
import { computeJobHashes, computeServiceHashes, hashJobConfig, listConfigFiles, type JobHashes, type ServiceHashes } from '../../src/deploy/content-hash.js';
import { EMPTY_DEPLOY_STATE, readDeployState, writeDeployState, type DeployState } from '../../src/deploy/deploy-state.js';
import { planDeploy, type DeployPlan, type JobAction } from '../../src/deploy/plan-deploy.js';
import { rebaseOnDeployState } from '../../src/deploy/rebase-on-deploy-state.js';
import { rebaseStack } from '../../src/deploy/rebase-stack.js';
import { recordDeploy } from '../../src/deploy/record-deploy.js';
import { hashWorkingTree } from '../../src/deploy/snapshot-release.js';
import { BerthError } from '../../src/errors/diagnostic.js';
import { createLogger } from '../../src/shared/logger.js';
import { writeFiles } from '../helpers/temp-stack.js';

const R1 = '20250101-000000000-aaaaaaaa';
const R2 = '20250102-000000000-bbbbbbbb';

const STACK = `services:
  db: { recipe: postgres, data: ./data/db, password: pw-123456789 }
  web:
    command: node server.js
    http: {}
    build: { command: node build.js, inputs: [src/**] }
    routes: [{ host: app.example.com }]
jobs:
  tick: { command: node tick.js, every: 5m, env: { MODE: fast } }
  report: { command: node report.js, schedule: "0 2 * * *", depends_on: [db] }
  outside: { command: /usr/bin/true, cwd: /tmp, every: 1h }
`;

const APP = { 'berth.yml': STACK, 'server.js': 'serve()\n', 'build.js': 'build()\n', 'src/a.js': 'a()\n', 'tick.js': 'tick()\n', 'report.js': 'report()\n' };

interface Planned {
  readonly stack: ResolvedStack;
  readonly hashes: Record<string, ServiceHashes>;
  readonly jobHashes: Record<string, JobHashes>;
  readonly plan: DeployPlan;
}

function load(root: string): { stack: ResolvedStack; configFiles: Set<string> } {
  const loaded = loadStack({ file: join(root, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  return { stack: loaded.stack, configFiles: listConfigFiles(root, [loaded.stack.file, ...loaded.context.sources.keys(), ...loaded.context.envFiles]) };
}

function planIn(root: string, previous: DeployState): Planned {
  const { stack, configFiles } = load(root);
  const tree = hashWorkingTree(root).tree;
  const hashes = computeServiceHashes(stack, tree, configFiles);
  const jobHashes = computeJobHashes(stack, tree, configFiles);
  return { stack, hashes, jobHashes, plan: planDeploy({ stack, hashes, jobHashes, previous }) };
}

function deployedApp(): { root: string; state: DeployState } {
  const root = writeFiles(APP);
  const first = planIn(root, EMPTY_DEPLOY_STATE);
  return { root, state: recordDeploy(EMPTY_DEPLOY_STATE, first.plan, first.hashes, first.jobHashes, R1, new Date('2025-01-01T00:00:00Z')) };
}

const jobs = (plan: DeployPlan): Record<string, string> => Object.fromEntries(plan.jobs.map((j) => [j.job, `${j.action}: ${j.reasons.join(', ')}`]));
const actions = (plan: DeployPlan): Record<string, JobAction> => Object.fromEntries(plan.jobs.map((j) => [j.job, j.action]));
const edit = (root: string, path: string, text: string): void => {
  writeFileSync(join(root, path), text);
};

describe('planDeploy and jobs', () => {
  it('a first deploy adds every job; the record makes the same stack plan as nothing changed, jobs counted', () => {
    const { root, state } = deployedApp();
    assert.deepEqual(planIn(writeFiles(APP), EMPTY_DEPLOY_STATE).plan.jobs.map((j) => [j.job, j.action]), [['outside', 'added'], ['report', 'added'], ['tick', 'added']]);
    assert.deepEqual(Object.keys(state.jobs ?? {}).sort(), ['outside', 'report', 'tick']);
    assert.equal(state.jobs?.tick?.release, R1);
    assert.equal(state.jobs.outside?.codeHash, null, 'a job outside the stack folder has no app code');
    const { plan } = planIn(root, state);
    assert.equal(plan.changed, false);
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(jobs(plan), { outside: 'unchanged: definition unchanged', report: 'unchanged: definition and code unchanged', tick: 'unchanged: definition and code unchanged' });
    assert.equal(plan.summary, `nothing changed: 2 services and 3 jobs as deployed in release ${R1}; nothing to do`);
    // the state file round trip
    assert.equal(planIn(root, JSON.parse(JSON.stringify(state)) as DeployState).plan.changed, false);
  });

  it('a jobs-only change is a real deploy: lock, snapshot, every build output reused into the release, the jobs step, record', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('command: node tick.js', 'command: node tick.js --v2'));
    const { plan } = planIn(root, state);
    assert.equal(plan.changed, true);
    assert.ok(plan.services.every((s) => s.action === 'unchanged'));
    assert.deepEqual(jobs(plan).tick, 'changed: command changed');
    assert.deepEqual(actions(plan), { outside: 'unchanged', report: 'unchanged', tick: 'changed' });
    assert.deepEqual(plan.steps, [
      { kind: 'lock' },
      { kind: 'snapshot', ref: null },
      { kind: 'reuse-build', service: 'web', from: R1 },
      { kind: 'jobs', summary: 'tick changed (command)' },
      { kind: 'record' },
    ]);
    assert.equal(plan.summary, '0 of 2 services change; 0 builds run; release step does not run; no backups first; jobs: tick changed (command)');
    assert.equal(plan.jobs.find((j) => j.job === 'tick')?.from, R1);

    // each part of a job's definition is named
    edit(root, 'berth.yml', STACK.replace('every: 5m, env: { MODE: fast }', 'every: 1m, env: { MODE: slow }, overlap: replace, timeout: 30s'));
    assert.deepEqual(jobs(planIn(root, state).plan).tick, 'changed: env changed, overlap changed, timeout changed, timing changed');
    edit(root, 'berth.yml', STACK.replace('depends_on: [db]', 'depends_on: [db, web]'));
    assert.deepEqual(jobs(planIn(root, state).plan).report, 'changed: depends_on changed');
  });

  it('a job added and one removed; both with services that change: the jobs step comes before the services switch', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('  outside: { command: /usr/bin/true, cwd: /tmp, every: 1h }\n', '  nightly: { command: node tick.js --all, schedule: "0 3 * * *" }\n'));
    let { plan } = planIn(root, state);
    assert.deepEqual(jobs(plan), { nightly: 'added: new job', report: 'unchanged: definition and code unchanged', tick: 'unchanged: definition and code unchanged', outside: 'removed: removed from the stack' });
    assert.deepEqual(plan.jobs.map((j) => j.job), ['nightly', 'report', 'tick', 'outside'], 'the stack jobs by name, then the removed ones');
    assert.deepEqual(plan.steps.find((s) => s.kind === 'jobs'), { kind: 'jobs', summary: 'nightly added, outside removed' });

    edit(root, 'server.js', 'serve(2)\n');
    ({ plan } = planIn(root, state));
    assert.deepEqual(plan.steps.map((s) => s.kind), ['lock', 'snapshot', 'reuse-build', 'jobs', 'deploy', 'verify', 'record']);
    // the app code changed: the jobs that run from the app folder change with it, the one outside does not
    assert.deepEqual(jobs(plan).tick, 'changed: app code changed');
    assert.deepEqual(plan.steps.find((s) => s.kind === 'jobs'), { kind: 'jobs', summary: 'nightly added, report changed (app code), tick changed (app code), outside removed' });
    assert.match(plan.summary, /^1 of 2 services change; .*; jobs: nightly added, report changed \(app code\), tick changed \(app code\), outside removed$/);
  });

  it('a job outside the stack folder does not change with the app code', () => {
    const { root, state } = deployedApp();
    edit(root, 'tick.js', 'tick(2)\n');
    const { plan } = planIn(root, state);
    assert.deepEqual(actions(plan), { outside: 'unchanged', report: 'changed', tick: 'changed' });
  });

  it('a working folder under a release folder is the same working folder: only the definition counts', () => {
    const { root } = deployedApp();
    const { stack } = load(root);
    const releases = join(root, '.berth', 'releases');
    const inOne = rebaseStack(stack, releases, {}, { tick: R1, report: R1 });
    const inTwo = rebaseStack(stack, releases, {}, { tick: R2 });
    assert.equal(inOne.jobs.tick?.cwd, join(releases, R1, 'app'), 'a deployed job runs from its release');
    assert.equal(inOne.jobs.outside?.cwd, '/tmp', 'a folder outside the stack folder does not move');
    assert.deepEqual(hashJobConfig(inOne.jobs.tick, root), hashJobConfig(stack.jobs.tick!, root));
    assert.deepEqual(hashJobConfig(inTwo.jobs.tick!, root), hashJobConfig(inOne.jobs.tick, root));
    // the running (rebased) stack adopted on a first deploy: its jobs' definitions equal the working tree's
    const adopted = adoptRunning(EMPTY_DEPLOY_STATE, inTwo, [], ['tick', 'outside']);
    assert.equal(adopted.jobs?.tick?.release, STACK_FOLDER);
    const { plan } = planIn(root, adopted);
    assert.deepEqual(jobs(plan).tick, 'changed: app code changed', 'adopted from berth up: its code is not from a release');
    assert.deepEqual(jobs(plan).outside, 'unchanged: definition unchanged');
    assert.deepEqual(jobs(plan).report, 'added: new job', 'not running, not recorded: new');
    // a different working folder is a change
    mkdirSync(join(root, 'jobs'));
    edit(root, 'berth.yml', STACK.replace('command: node tick.js', 'cwd: ./jobs, command: node tick.js'));
    assert.deepEqual(jobs(planIn(root, adopted).plan).tick, 'changed: cwd changed, app code changed');
  });

  it('a deploy state written before deploys recorded jobs still loads; its jobs count as changed, and the next deploy records them', () => {
    const { root, state } = deployedApp();
    const { jobs: _jobs, ...old } = state;
    const file = join(writeFiles({}), 'deploy-state.json');
    writeDeployState(file, old);
    const loaded = readDeployState(file);
    assert.equal(loaded.jobs, undefined);
    const second = planIn(root, loaded);
    assert.equal(second.plan.changed, true);
    assert.deepEqual(jobs(second.plan), { outside: 'changed: not recorded by the last deploy', report: 'changed: not recorded by the last deploy', tick: 'changed: not recorded by the last deploy' });
    assert.deepEqual(second.plan.steps.find((s) => s.kind === 'jobs'), { kind: 'jobs', summary: 'outside changed (not recorded by the last deploy), report changed (not recorded by the last deploy), tick changed (not recorded by the last deploy)' });
    const next = recordDeploy(loaded, second.plan, second.hashes, second.jobHashes, R2, new Date('2025-01-02T00:00:00Z'));
    assert.equal(next.jobs?.tick?.release, R2);
    assert.equal(planIn(root, next).plan.changed, false);
    // a stack without jobs is not changed by an old state
    const bare = writeFiles({ ...APP, 'berth.yml': STACK.slice(0, STACK.indexOf('jobs:')) });
    const bareFirst = planIn(bare, EMPTY_DEPLOY_STATE);
    const { jobs: _none, ...bareOld } = recordDeploy(EMPTY_DEPLOY_STATE, bareFirst.plan, bareFirst.hashes, bareFirst.jobHashes, R1, new Date());
    assert.equal(planIn(bare, bareOld as DeployState).plan.changed, false);
    // with a daemon running the jobs, they are adopted instead: the job outside the app folder is unchanged
    const adopted = adoptRunning(loaded, load(root).stack, [], ['tick', 'outside']);
    assert.deepEqual(actions(planIn(root, adopted).plan), { outside: 'unchanged', report: 'added', tick: 'changed' });
  });

  it('a malformed job entry makes the state unreadable', () => {
    const file = join(writeFiles({}), 'deploy-state.json');
    writeFileSync(file, JSON.stringify({ ...EMPTY_DEPLOY_STATE, jobs: { tick: { configHash: 'x', partHashes: {}, codeHash: null, release: R1 } } }));
    assert.throws(() => readDeployState(file), (error: unknown) => error instanceof BerthError && /jobs\.tick has a malformed hash/.test(error.diagnostics[0]?.message ?? ''));
  });

  it('recordDeploy: added and changed jobs move to the new release, unchanged ones keep theirs, removed ones are dropped', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('MODE: fast', 'MODE: slow').replace('  outside: { command: /usr/bin/true, cwd: /tmp, every: 1h }\n', '  nightly: { command: node tick.js, every: 1d }\n'));
    const second = planIn(root, state);
    const next = recordDeploy(state, second.plan, second.hashes, second.jobHashes, R2, new Date('2025-01-02T00:00:00Z'));
    assert.deepEqual(Object.fromEntries(Object.entries(next.jobs ?? {}).map(([name, job]) => [name, job.release])), { nightly: R2, report: R1, tick: R2 });
    assert.equal(planIn(root, next).plan.changed, false);
  });

  it('berth deploy --plan shows the jobs as a table and the jobs step', () => {
    const { root, state } = deployedApp();
    edit(root, 'berth.yml', STACK.replace('command: node tick.js', 'command: node tick.js --v2').replace('  outside: { command: /usr/bin/true, cwd: /tmp, every: 1h }\n', ''));
    const text = formatDeployPlan(planIn(root, state).plan, { color: false, previousRelease: R1 });
    assert.match(text, /\nJOB +ACTION +FROM RELEASE +WHY\nreport +unchanged +20250101-000000000-aaaaaaaa +definition and code unchanged\ntick +changed +20250101-000000000-aaaaaaaa +command changed\noutside +removed +20250101-000000000-aaaaaaaa +removed from the stack\n/);
    assert.match(text, /\n {3}4\. point the jobs at the new stack \(tick changed \(command\), outside removed\); a rollback points them back\n/);
    const again = deployedApp();
    const unchanged = formatDeployPlan(planIn(again.root, again.state).plan, { color: false, previousRelease: R1 });
    assert.match(unchanged, /JOB +ACTION[\s\S]*Nothing changed: 2 services and 3 jobs as deployed/);
  });

  it('a daemon that starts runs each deployed job from its release folder, or from the stack folder when that is gone', () => {
    const { root, state } = deployedApp();
    const stateDir = join(root, '.berth');
    mkdirSync(join(stateDir, 'releases', R1, 'app'), { recursive: true });
    writeDeployState(join(stateDir, 'deploy-state.json'), { ...state, jobs: { ...state.jobs, report: { ...state.jobs!.report!, release: R2 } } });
    const warnings: string[] = [];
    const logger = createLogger({ write: (line) => warnings.push(line), level: 'warn' });
    const { stack } = load(root);
    const rebased = rebaseOnDeployState(stack, stateDir, logger);
    assert.equal(rebased.jobs.tick?.cwd, join(stateDir, 'releases', R1, 'app'));
    assert.equal(rebased.jobs.report?.cwd, root, 'its release folder is gone');
    assert.equal(rebased.jobs.outside?.cwd, '/tmp');
    assert.match(warnings.join('\n'), /release folder missing; the job runs from the stack folder.*report/);
  });
});
