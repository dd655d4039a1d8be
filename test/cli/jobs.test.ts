// `berth jobs` and `berth jobs run NAME [--wait]` against a real daemon: a run by hand follows the job's rules,
// --wait reports the outcome in the exit code, and an unknown job is named with the known ones.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobStatus } from '../../src/daemon/job-controller.js';
import { processesNaming } from '../helpers/processes.js';
import { runBerth } from '../helpers/run-berth.js';
import { writeFiles } from '../helpers/temp-stack.js';

const env = { PATH: process.env.PATH ?? '' };
const step = `${process.execPath} ${join(import.meta.dirname, '..', 'fixtures', 'job-step.mjs')}`;
const tag = `jobs-cli-${String(process.pid)}`;

const berth = (dir: string, ...args: string[]): ReturnType<typeof runBerth> => runBerth(dir, env, ...args);

describe('berth jobs', { timeout: 60_000 }, () => {
  it('lists the jobs, runs one by hand (--wait gives its outcome as the exit code), refuses what the job\'s rules refuse, and names an unknown job', async () => {
    const dir = writeFiles({
      'berth.yml': `services:
  idle: { command: sleep 60 }
jobs:
  hello: { command: ${step} hello-${tag}, every: 1h }
  broken: { command: "exit 7", every: 1h }
  slow: { command: ${step} slow-${tag}, every: 1h, env: { SLEEP_MS: "60000" } }
`,
    });
    try {
      const up = await berth(dir, 'up', '-d');
      assert.equal(up.code, 0, up.err);
      assert.match(up.out, /JOB +WHEN +NEXT RUN +RUNNING +LAST RUN\n(?:.*\n)*hello +every 1h/, '`up -d` lists the jobs');
      const listed = await berth(dir, 'jobs', '--json');
      assert.equal(listed.code, 0, listed.err);
      assert.deepEqual((JSON.parse(listed.out) as JobStatus[]).map((job) => job.name).sort(), ['broken', 'hello', 'slow']);
      assert.match((await berth(dir, 'jobs')).out, /JOB +WHEN +NEXT RUN[\s\S]*hello +every 1h/);

      const hello = await berth(dir, 'jobs', 'run', 'hello', '--wait');
      assert.equal(hello.code, 0, hello.err);
      assert.match(hello.out, /^run \d+ of hello succeeded in \d+ ms$/);
      assert.match((await berth(dir, 'logs', 'hello')).out, /"job":"hello"/);

      const broken = await berth(dir, 'jobs', 'run', 'broken', '--wait');
      assert.equal(broken.code, 1);
      assert.match(broken.err, /BERTH_E_JOB_FAILED: run \d+ of job broken failed: exited with code 7\n {2}hint: its output is in `berth logs broken`/);

      const slow = await berth(dir, 'jobs', 'run', 'slow');
      assert.equal(slow.code, 0, slow.err);
      assert.match(slow.out, /^started run \d+ of slow \(pid \d+\)/);
      assert.ok(processesNaming(`slow-${tag}`).length > 0, 'the run started by hand runs');
      const again = await berth(dir, 'jobs', 'run', 'slow');
      assert.equal(again.code, 2);
      assert.match(again.err, /BERTH_E_JOB_NOT_STARTED: job slow was not started: run \d+ is still running \(overlap: forbid\)/);

      const unknown = await berth(dir, 'jobs', 'run', 'nope');
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /BERTH_E_JOB_UNKNOWN: the stack has no job nope\n {2}hint: jobs of the running stack: hello, broken, slow/);
      const events = await berth(dir, 'events', '--type', 'job_started', '--json');
      assert.match(events.out, /"trigger":"manual"/);
    } finally {
      await berth(dir, 'down');
    }
    assert.deepEqual(processesNaming(`slow-${tag}`), [], 'down stops the run started by hand');
  });
});
