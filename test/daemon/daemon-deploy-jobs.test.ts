// `berth deploy` and `jobs:` under a real daemon: a deploy whose only change is in `jobs:` is planned and run, the
// running daemon's jobs take the new definitions (a changed command, a new job) and run from the new release.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { JobStatus } from '../../src/daemon/job-controller.js';
import type { DeployState } from '../../src/deploy/deploy-state.js';
import type { DeployPlan } from '../../src/deploy/plan-deploy.js';
import { captureIo } from '../helpers/capture-io.js';
import { readWholeJsonLines } from '../helpers/json-lines.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { until } from '../helpers/until.js';

const env = { PATH: process.env.PATH ?? '' };
const step = join(import.meta.dirname, '..', 'fixtures', 'job-step.mjs');
const tag = String(process.pid);

async function cli(dir: string, args: string[]): Promise<string> {
  const io = captureIo(dir, env);
  const code = await main(args, io);
  assert.equal(code, 0, `${args.join(' ')}: ${io.out()}${io.err()}`);
  return io.out();
}

describe('deploy and jobs under the daemon', { timeout: 90_000 }, () => {
  it('a jobs-only deploy changes a running job\'s command and adds a job; the jobs run from the new release; the next deploy has nothing to do', async () => {
    const trace = join(writeFiles({}), 'trace.jsonl');
    const yaml = `deploy: { verify: 1s }
services:
  idle: { command: sleep 60 }
jobs:
  tick: { command: ${process.execPath} ${step} v1-${tag}, every: 200ms, env: { TRACE: ${trace} } }
`;
    const dir = writeFiles({ 'berth.yml': yaml });
    const runs = (): { job: string; arg: string | null }[] => readWholeJsonLines(trace);
    try {
      await cli(dir, ['up', '-d']);
      await until('a v1 run', () => runs().some((r) => r.arg === `v1-${tag}`));
      // The first deploy takes over what `berth up` runs: the job moves into the release with the service.
      assert.match(await cli(dir, ['deploy']), /jobs: tick changed \(app code\)/);

      writeFileSync(join(dir, 'berth.yml'), `${yaml.replace(`v1-${tag}`, `v2-${tag}`)}  where: { command: pwd, every: 200ms }\n`);
      const plan = await cli(dir, ['deploy', '--plan']);
      assert.match(plan, /\nJOB +ACTION +FROM RELEASE +WHY\ntick +changed +\d{8}-\d{9}-[0-9a-f]{8} +command changed\nwhere +added +- +new job\n/);
      const json = JSON.parse(await cli(dir, ['deploy', '--plan', '--json'])) as DeployPlan;
      assert.deepEqual(json.jobs.map((j) => [j.job, j.action, j.reasons]), [['tick', 'changed', ['command changed']], ['where', 'added', ['new job']]]);
      assert.deepEqual(json.steps.map((s) => s.kind), ['lock', 'snapshot', 'jobs', 'record']);
      const deployed = await cli(dir, ['deploy']);
      assert.match(deployed, /0 of 1 service change; 0 builds run; release step does not run; no backups first; jobs: tick changed \(command\), where added/);
      assert.match(deployed, /jobs: tick changed \(command\), where added +- → \d{8}-\d{9}-[0-9a-f]{8} +done/, 'the summary row');
      assert.match(deployed, /Deployed release \d{8}-\d{9}-[0-9a-f]{8}/);

      const state = JSON.parse(readFileSync(join(dir, '.berth', 'deploy-state.json'), 'utf8')) as DeployState;
      const release = state.release ?? '';
      assert.deepEqual(Object.keys(state.jobs ?? {}).sort(), ['tick', 'where']);
      assert.equal(state.jobs?.tick?.release, release);

      await until('a v2 run', () => runs().some((r) => r.arg === `v2-${tag}`));
      const statusOf = async (): Promise<JobStatus[]> => (JSON.parse(await cli(dir, ['status', '--json'])) as { jobs: JobStatus[] }).jobs;
      const where = await until('the added job to run', async () => (await statusOf()).find((j) => j.name === 'where' && j.last?.outcome === 'succeeded'));
      assert.equal(where.timing, 'every 200ms');
      const printed = await until('the added job\'s output', async () => {
        const out = await cli(dir, ['logs', 'where']);
        return out.includes(join('.berth', 'releases', release, 'app')) ? out : undefined;
      });
      assert.ok(!new RegExp(`job\\.where[^\\n]* ${dir}\\n`).test(printed), 'it runs from the release, not the stack folder');

      // Both recorded: the same stack again has nothing to do.
      assert.match(await cli(dir, ['deploy']), /Nothing to do: nothing changed: 1 service and 2 jobs as deployed in release/);
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });
});
