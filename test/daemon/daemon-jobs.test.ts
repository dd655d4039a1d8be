// Jobs under a real daemon (`berth up -d`): wired in, shown by `berth status`, readable by `berth logs NAME`,
// recorded as events without the env file's secrets, and gone with `berth down`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { JobStatus } from '../../src/daemon/job-controller.js';
import { captureIo } from '../helpers/capture-io.js';
import { processesNaming } from '../helpers/processes.js';
import { runBerth } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';
import { until } from '../helpers/until.js';

const env = { PATH: process.env.PATH ?? '' };
const step = join(import.meta.dirname, '..', 'fixtures', 'job-step.mjs');
const SECRET = 'job-secret-0b7e41';

async function cli(dir: string, args: string[]): Promise<string> {
  const run = await runBerth(dir, env, ...args);
  assert.equal(run.code, 0, run.err);
  return run.out;
}

describe('jobs under the daemon', { timeout: 60_000 }, () => {
  it('runs jobs after up, shows them in status (JSON and text), logs them under job.NAME, records events without secrets, and down leaves no job process', async () => {
    const dir = writeFiles({
      'berth.yml': `services:
  idle: { command: sleep 60 }
jobs:
  tick: { command: ${process.execPath} ${step} tick-${String(process.pid)}, every: 200ms, env_file: job.env }
  hang: { command: ${process.execPath} ${step} hang-${String(process.pid)}, every: 200ms, env: { SLEEP_MS: "60000" } }
  broken: { command: "exit 7", schedule: "0 0 1 1 *" }
`,
      'job.env': `API_TOKEN=${SECRET}\n`,
    });
    try {
      await cli(dir, ['up', '-d']);
      const statusOf = async (): Promise<JobStatus[]> => (JSON.parse(await cli(dir, ['status', '--json'])) as { jobs: JobStatus[] }).jobs;
      const tick = await until('a finished tick run', async () => (await statusOf()).find((j) => j.name === 'tick' && j.last?.outcome === 'succeeded'));
      assert.equal(tick.timing, 'every 200ms');
      const jobs = await statusOf();
      assert.equal(jobs.find((j) => j.name === 'hang')?.running, true);
      const broken = jobs.find((j) => j.name === 'broken');
      assert.equal(broken?.last, null);
      assert.ok((broken.nextRunAt ?? 0) > Date.now(), 'a cron job shows its next run');
      assert.match(await cli(dir, ['status']), /JOB +WHEN +NEXT RUN +RUNNING +LAST RUN[\s\S]*tick +every 200ms .* succeeded/);
      assert.match(await cli(dir, ['logs', 'tick']), /job\.tick.*"job":"tick"/);
      const events = await cli(dir, ['events', '--type', 'job_started,job_succeeded', '--json']);
      assert.match(events, /"type":"job_succeeded","service":"tick"/);
      assert.equal(events.includes(SECRET), false);
      assert.ok(processesNaming(`hang-${String(process.pid)}`).length > 0, 'the long run is running');
    } finally {
      await main(['down'], captureIo(dir, env));
    }
    assert.deepEqual(processesNaming(`hang-${String(process.pid)}`), [], 'no job process outlives down');
    assert.deepEqual(processesNaming(`tick-${String(process.pid)}`), []);
  });

  it('a run missed while the daemon was down is made up when it starts again, from the event log', async () => {
    const dir = writeFiles({ 'berth.yml': `services:\n  idle: { command: sleep 60 }\njobs:\n  sync: { command: ${process.execPath} ${step}, every: 2s }\n` });
    const started = async (): Promise<{ time: number; payload: { trigger: string } }[]> => (await cli(dir, ['events', '--type', 'job_started', '--json'])).trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { time: number; payload: { trigger: string } });
    try {
      await cli(dir, ['up', '-d']);
      await until('a first run', async () => (await started()).length >= 1, 10_000);
      await cli(dir, ['down']);
      // Down for longer than the interval: one run is owed.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const upAgain = Date.now();
      await cli(dir, ['up', '-d']);
      const owed = await until('the made-up run', async () => (await started()).find((e) => e.time >= upAgain), 10_000);
      assert.equal(owed.payload.trigger, 'missed');
      assert.ok(owed.time - upAgain < 1500, `made up at start, not an interval later (${String(owed.time - upAgain)} ms)`);
    } finally {
      await main(['down'], captureIo(dir, env));
    }
  });
});
