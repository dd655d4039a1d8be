import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JobController } from '../../src/daemon/job-controller.js';
import { listGroupMembers } from '../../src/exec/proc-stat.js';
import { readLogs } from '../../src/logs/read-logs.js';
import { SILENT_LOGGER } from '../../src/shared/logger.js';
import type { NewEvent } from '../../src/state/event-store.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { readWholeJsonLines } from '../helpers/json-lines.js';
import { findProcesses } from '../helpers/processes.js';
import { loadText } from '../helpers/temp-stack.js';
import { until } from '../helpers/until.js';

const node = process.execPath;
const step = `${node} ${join(import.meta.dirname, '..', 'fixtures', 'job-step.mjs')}`;
const stubbornFile = join(import.meta.dirname, '..', 'fixtures', 'stubborn-tree.mjs');
const stubborn = `${node} ${stubbornFile}`;
// As a list, so the fixture itself leads the group (no shell in between that SIGTERM would end).
const stubbornArgv = JSON.stringify([node, stubbornFile]);

interface Harness { supervisor: Supervisor; jobs: JobController; events: NewEvent[]; dir: string; trace: string }

// A supervisor for the stack's services, then the job controller, as the daemon starts them; `body` runs, and both
// are stopped whatever happens.
interface Extra {
  /** What the event log would say of each job's last start (the daemon's start). */
  readonly lastStarted?: (job: string) => number | null;
}

// Jobs whose runs ignore SIGTERM say `stop: { timeout: 300ms }`, to keep the tests short.
async function withJobs(yaml: string, body: (h: Harness) => Promise<void>, extra: Extra = {}): Promise<void> {
  const text = yaml.startsWith('services:') ? yaml : `services: {}\n${yaml}`;
  const loaded = loadText(text.replaceAll('STEP', step).replaceAll('STUBBORN_ARGV', stubbornArgv).replaceAll('STUBBORN', stubborn));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const stateDir = join(loaded.dir, '.berth');
  const trace = join(loaded.dir, 'trace.jsonl');
  const baseEnv = { PATH: process.env.PATH, TRACE: trace };
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir, baseEnv });
  const events: NewEvent[] = [];
  const { lastStarted } = extra;
  const jobs = new JobController({ stack: loaded.stack, supervisor, stateDir, logger: SILENT_LOGGER, record: (event) => events.push(event), baseEnv, ...(lastStarted === undefined ? {} : { lastStarted }) });
  try {
    await supervisor.up();
    jobs.start();
    await body({ supervisor, jobs, events, dir: loaded.dir, trace });
  } finally {
    await jobs.stop();
    await supervisor.down();
  }
}

const ofType = (events: readonly NewEvent[], type: string): NewEvent[] => events.filter((e) => e.type === type);

interface TraceLine { job: string; pid: number; arg: string | null }

/** The job-step fixture's trace (runs may be appending to it while the test reads). */
const readTrace = (trace: string): TraceLine[] => readWholeJsonLines<TraceLine>(trace);
const alive = (pid: number): boolean => findProcesses((p) => p === String(pid) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z ')).length > 0;

describe('job controller', { timeout: 60_000 }, () => {
  it('runs an `every: 200ms` job repeatedly with BERTH_JOB set, records started/succeeded, logs its output to job.NAME.log, and shows it in status', async () => {
    await withJobs('jobs:\n  tick: { command: STEP, every: 200ms }\n', async ({ jobs, events, dir, trace }) => {
      const started = Date.now();
      await until('three successful runs', () => ofType(events, 'job_succeeded').length >= 3);
      // Due one interval after the start, then every interval after each due time: not earlier than 3 x 200 ms.
      assert.ok(Date.now() - started >= 550, `three runs took ${String(Date.now() - started)} ms`);
      assert.ok(ofType(events, 'job_started').length >= 3);
      assert.ok(ofType(events, 'job_succeeded').every((e) => e.service === 'tick' && typeof e.payload?.ms === 'number'));
      const runs = readTrace(trace);
      assert.ok(runs.length >= 3 && runs.every((r) => r.job === 'tick'));
      const lines = await readLogs({ dir: join(dir, '.berth', 'logs'), services: ['job.tick'], lines: 100 });
      assert.ok(lines.some((l) => l.stream === 'out' && l.text.includes('"job":"tick"')), JSON.stringify(lines.slice(0, 5)));
      const [status] = jobs.status();
      assert.equal(status?.name, 'tick');
      assert.equal(status.timing, 'every 200ms');
      assert.equal(status.last?.outcome, 'succeeded');
      const next = status.nextRunAt ?? 0;
      const now = Date.now();
      assert.ok(next > now - 200 && next <= now + 200, `the next run is due within one interval: ${String(next - now)} ms from now`);
    });
  });

  it('records job_failed with the exit code of a failing command', async () => {
    await withJobs('jobs:\n  broken: { command: "exit 3", every: 200ms }\n', async ({ jobs, events }) => {
      const failed = await until('job_failed', () => ofType(events, 'job_failed')[0]);
      assert.equal(failed.service, 'broken');
      assert.equal(failed.payload?.code, 3);
      assert.equal(failed.payload.reason, 'exited with code 3');
      assert.equal(jobs.status()[0]?.last?.outcome, 'failed');
      assert.equal(ofType(events, 'job_succeeded').length, 0);
    });
  });

  it('overlap: forbid skips runs due while a slow run is still going', async () => {
    await withJobs('jobs:\n  slow: { command: STEP, every: 200ms, env: { SLEEP_MS: "1000" } }\n', async ({ events }) => {
      const done = await until('the slow run to succeed', () => ofType(events, 'job_succeeded')[0]);
      const before = events.filter((e) => e.time <= done.time);
      assert.equal(ofType(before, 'job_started').length, 1, JSON.stringify(before));
      const skipped = ofType(before, 'job_skipped');
      assert.ok(skipped.length >= 2, `skipped ${String(skipped.length)}`);
      assert.match(String(skipped[0]?.payload?.reason), /run 1 is still running \(overlap: forbid\)/);
    });
  });

  it('overlap: allow starts a due run beside the one still running', async () => {
    await withJobs('jobs:\n  wide: { command: STEP, every: 200ms, overlap: allow, env: { SLEEP_MS: "1000" } }\n', async ({ jobs, events }) => {
      await until('two runs at once', () => jobs.status()[0]?.runningSince.length === 2);
      assert.equal(ofType(events, 'job_succeeded').length, 0);
      assert.equal(ofType(events, 'job_skipped').length, 0);
    });
  });

  it('overlap: replace stops the old run (its whole process group) before the new one starts', async () => {
    await withJobs('jobs:\n  fresh: { command: STEP, every: 300ms, overlap: replace, env: { SLEEP_MS: "30000" } }\n', async ({ events }) => {
      await until('a second run', () => ofType(events, 'job_started').length >= 2);
      const [first, second] = ofType(events, 'job_started');
      const stopped = ofType(events, 'job_stopped')[0];
      assert.equal(stopped?.payload?.run, first?.payload?.run);
      assert.match(String(stopped?.payload?.reason), /replaced/);
      assert.ok((stopped?.time ?? Infinity) <= (second?.time ?? 0), 'the old run was gone before the new one started');
      const pgid = Number(first?.payload?.pid);
      assert.deepEqual(listGroupMembers(pgid), []);
      assert.ok(alive(Number(second?.payload?.pid)));
    });
  });

  it('timeout: a run that ignores SIGTERM is killed with its grandchild and counts as failed "timed out"', async () => {
    await withJobs('jobs:\n  stuck: { command: STUBBORN_ARGV, every: 200ms, timeout: 400ms, stop: { timeout: 300ms } }\n', async ({ events, dir }) => {
      const failed = await until('the timed-out run', () => ofType(events, 'job_failed')[0]);
      assert.equal(failed.payload?.reason, 'timed out after 400ms');
      assert.equal(failed.payload.signal, 'SIGKILL', 'SIGTERM was ignored, so the group was killed');
      const lines = await readLogs({ dir: join(dir, '.berth', 'logs'), services: ['job.stuck'], lines: 100 });
      const printed = lines.find((l) => l.text.includes('grandchild'));
      assert.ok(printed !== undefined, JSON.stringify(lines));
      const { pid, grandchild } = JSON.parse(printed.text) as { pid: number; grandchild: number };
      assert.equal(alive(pid), false, 'the run is gone');
      assert.equal(alive(grandchild), false, 'its grandchild is gone');
      assert.equal(existsSync(join(dir, '.berth', 'run', 'job.stuck.1.json')), false, 'its process record is removed');
    });
  });

  it('stop: a run is stopped with the job\'s stop.signal, and killed after its stop.timeout', async () => {
    const yaml = `jobs:
  polite: { command: STEP, every: 1h, timeout: 300ms, env: { SLEEP_MS: "60000" }, stop: { signal: SIGINT } }
  stuck: { command: STUBBORN_ARGV, every: 1h, timeout: 300ms, stop: { timeout: 200ms } }
`;
    await withJobs(yaml, async ({ jobs, events }) => {
      await Promise.all([jobs.runNow('polite'), jobs.runNow('stuck')]);
      const failed = (job: string): NewEvent | undefined => ofType(events, 'job_failed').find((e) => e.service === job);
      const polite = await until('polite timed out', () => failed('polite'));
      assert.equal(polite.payload?.signal, 'SIGINT', 'ended by its stop signal, not SIGTERM');
      const stuck = await until('stuck killed', () => failed('stuck'), 5000);
      assert.equal(stuck.payload?.signal, 'SIGKILL');
      assert.ok(Number(stuck.payload.ms) < 2000, `killed 200 ms after the stop signal, not 10 s (${String(stuck.payload.ms)} ms)`);
    });
  });

  it('depends_on: a run due while a listed service is not ready is skipped, naming the service', async () => {
    const yaml = `services:
  db: { command: sleep 30, ready: { exec: "false", interval: 100ms } }
jobs:
  report: { command: STEP, every: 200ms, depends_on: [db] }
`;
    await withJobs(yaml, async ({ events }) => {
      const skipped = await until('job_skipped', () => ofType(events, 'job_skipped')[0]);
      assert.equal(skipped.service, 'report');
      assert.equal(skipped.payload?.service, 'db');
      assert.match(String(skipped.payload.reason), /^db is not ready/);
      assert.equal(ofType(events, 'job_started').length, 0);
    });
  });

  it('makes up an `every` run missed while the daemon was down, once, and keeps the interval from then', async () => {
    const start = Date.now();
    await withJobs('jobs:\n  tick: { command: STEP, every: 1s }\n', async ({ events }) => {
      const owed = await until('the made-up run', () => ofType(events, 'job_started')[0], 3000);
      assert.equal(owed.payload?.trigger, 'missed');
      assert.ok(owed.time - start < 900, `made up at once, not after an interval (${String(owed.time - start)} ms)`);
      const next = await until('the next run', () => ofType(events, 'job_started')[1], 3000);
      assert.equal(next.payload?.trigger, 'schedule', 'made up once, not once per missed interval');
      assert.ok(next.time - owed.time >= 800, `then one interval later (${String(next.time - owed.time)} ms)`);
    }, { lastStarted: () => start - 60_000 });
  });

  it('starts an `every` job that ran shortly before the daemon stopped one interval after that run, not after the start', async () => {
    const start = Date.now();
    await withJobs('jobs:\n  tick: { command: STEP, every: 1500ms }\n', async ({ events }) => {
      const first = await until('the first run', () => ofType(events, 'job_started')[0], 3000);
      assert.equal(first.payload?.trigger, 'schedule');
      const after = first.time - start;
      assert.ok(after >= 350 && after < 1200, `due 1500 ms after the last run, 1000 ms before the start (${String(after)} ms after it)`);
    }, { lastStarted: () => start - 1000 });
  });

  it('makes up a `schedule` run whose time passed without a run; not for a job that ran since, one that never ran, or one with `missed: skip`', async () => {
    const yaml = 'jobs:\n  owed: { command: STEP, schedule: "0 0 1 1 *" }\n  settled: { command: STEP, schedule: "0 0 1 1 *" }\n  fresh: { command: STEP, schedule: "0 0 1 1 *" }\n  digest: { command: STEP, schedule: "0 0 1 1 *", missed: skip }\n  tick: { command: STEP, every: 1h, missed: skip }\n';
    const now = Date.now();
    const longAgo = now - 400 * 24 * 3600_000;
    const last: Record<string, number> = { owed: longAgo, settled: now - 1000, digest: longAgo, tick: longAgo };
    await withJobs(yaml, async ({ events }) => {
      await until('the made-up run to succeed', () => ofType(events, 'job_succeeded')[0], 3000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // tick (every 1h, last run long ago) would be made up at once but for `missed: skip`.
      assert.deepEqual(ofType(events, 'job_started').map((e) => [e.service, e.payload?.trigger]), [['owed', 'missed']]);
    }, { lastStarted: (job) => last[job] ?? null });
  });

  it('a made-up run waits for its services to be ready instead of being skipped', async () => {
    const yaml = `services:
  db: { command: sleep 30, ready: { exec: "test -f go", interval: 100ms } }
jobs:
  report: { command: STEP, every: 1h, depends_on: [db] }
`;
    const start = Date.now();
    await withJobs(yaml, async ({ events, dir }) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(ofType(events, 'job_started').length, 0, 'not before db is ready');
      const readyFrom = Date.now();
      writeFileSync(join(dir, 'go'), '');
      const owed = await until('the made-up run', () => ofType(events, 'job_started')[0], 5000);
      assert.equal(owed.payload?.trigger, 'missed');
      assert.ok(owed.time >= readyFrom);
      assert.deepEqual(ofType(events, 'job_skipped'), []);
    }, { lastStarted: () => start - 2 * 3600_000 });
  });

  it('stopping the controller stops every run in progress, grandchildren included, and no schedule fires after', async () => {
    const seen: { pids: { pid: number; grandchild: number } | null; harness: Harness | null } = { pids: null, harness: null };
    await withJobs('jobs:\n  long: { command: STUBBORN, every: 200ms, stop: { timeout: 300ms } }\n', async (h) => {
      seen.harness = h;
      const lines = async () => readLogs({ dir: join(h.dir, '.berth', 'logs'), services: ['job.long'], lines: 100 });
      const deadline = Date.now() + 10_000;
      while (seen.pids === null && Date.now() < deadline) {
        const printed = (await lines()).find((l) => l.text.includes('grandchild'));
        if (printed !== undefined) seen.pids = JSON.parse(printed.text) as { pid: number; grandchild: number };
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(seen.pids !== null && alive(seen.pids.pid) && alive(seen.pids.grandchild));
    });
    const { pids, harness: h } = seen;
    assert.ok(pids !== null && h !== null);
    assert.equal(alive(pids.pid), false);
    assert.equal(alive(pids.grandchild), false);
    assert.equal(ofType(h.events, 'job_stopped')[0]?.payload?.reason, 'the daemon stopped');
    const count = h.events.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(h.events.length, count, 'nothing ran after stop');
    assert.equal(h.jobs.status()[0]?.nextRunAt, null);
  });
  it('follows a new stack (a deploy): a changed job runs its new command, a new job starts, a removed one stops with its run', async () => {
    const yaml = 'jobs:\n  tick: { command: STEP v1, every: 200ms }\n  gone: { command: STEP gone, every: 200ms, env: { SLEEP_MS: "60000" } }\n';
    await withJobs(yaml, async ({ jobs, events, trace }) => {
      const runs = (): TraceLine[] => readTrace(trace);
      await until('a v1 tick and a running gone', () => runs().some((r) => r.arg === 'v1') && runs().some((r) => r.job === 'gone'));
      const gonePid = runs().find((r) => r.job === 'gone')?.pid ?? 0;
      const next = loadText(`services: {}\njobs:\n  tick: { command: ${step} v2, every: 200ms }\n  added: { command: ${step} added, every: 300ms }\n`);
      assert.ok(next.ok, JSON.stringify(next.ok ? null : next.diagnostics));
      jobs.follow(next.stack);
      await until('a v2 tick and an added run', () => runs().some((r) => r.arg === 'v2') && runs().some((r) => r.job === 'added'), 15_000);
      const all = runs();
      const firstV2 = all.findIndex((r) => r.arg === 'v2');
      assert.deepEqual(all.slice(firstV2).filter((r) => r.arg === 'v1'), [], 'no v1 run started after the first v2 one');
      await until('the removed job\'s run stopped', () => ofType(events, 'job_stopped').find((e) => e.service === 'gone'));
      assert.equal(alive(gonePid), false, 'the removed job\'s process is gone');
      assert.match(String(ofType(events, 'job_stopped').find((e) => e.service === 'gone')?.payload?.reason), /removed from the stack/);
      assert.deepEqual(jobs.status().map((j) => j.name).sort(), ['added', 'tick']);
      assert.equal(jobs.status().find((j) => j.name === 'tick')?.timing, 'every 200ms');
    });
  });
});
