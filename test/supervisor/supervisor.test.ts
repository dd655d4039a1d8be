import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listGroupMembers, readProcStat } from '../../src/exec/proc-stat.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-types.js';
import { loadText } from '../helpers/temp-stack.js';
import { until } from '../helpers/until.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'service.mjs');
const node = process.execPath;

interface Trace { service: string; instance: number; pid: number; event: string; time: number }

function readTrace(file: string): Trace[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Trace);
  } catch {
    return [];
  }
}

function startStack(yaml: string): { supervisor: Supervisor; trace: string; dir: string; events: SupervisorEvent[] } {
  const loaded = loadText(yaml.replaceAll('FIXTURE', `${node} ${fixture}`));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const trace = join(loaded.dir, 'trace.jsonl');
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(loaded.dir, '.berth'), baseEnv: { PATH: process.env.PATH, TRACE: trace } });
  const events: SupervisorEvent[] = [];
  supervisor.subscribe((e) => events.push(e));
  return { supervisor, trace, dir: loaded.dir, events };
}

describe('supervisor', () => {
  it('starts a 3-level graph in order, each level only once the one below is ready, and a late dependency holds its dependents', async () => {
    const { supervisor, trace, events } = startStack(`services:
  db: { command: FIXTURE, http: {}, env: { LISTEN_AFTER: "600" }, ready: { http: /health } }
  cache: { command: FIXTURE, http: {}, ready: { http: /health } }
  api: { command: FIXTURE, http: {}, depends_on: [db, cache], ready: { http: /health } }
  web: { command: FIXTURE, http: {}, depends_on: [api], ready: { http: /health } }
`);
    await supervisor.up();
    const waiting = await until('web to show why it waits', () => supervisor.status().find((s) => s.service === 'web' && s.phase === 'waiting' && s.reason !== null));
    assert.match(waiting.reason ?? '', /waiting for api to be ready/);
    assert.deepEqual(await supervisor.waitReady(10_000), { ok: true });
    type StateEvent = Extract<SupervisorEvent, { type: 'state' }>;
    const stateAt = (service: string, test: (e: StateEvent) => boolean) => events.find((e): e is StateEvent => e.type === 'state' && e.status.service === service && test(e))?.time ?? NaN;
    const spawned = (service: string) => stateAt(service, (e) => e.status.phase === 'starting');
    const ready = (service: string) => stateAt(service, (e) => e.status.ready === true);
    assert.ok(spawned('api') >= ready('db') && spawned('api') >= ready('cache'), 'api starts after db and cache are ready');
    assert.ok(spawned('web') >= ready('api'), 'web starts after api is ready');
    assert.ok(spawned('cache') < ready('db'), 'independent services start in parallel');
    const reaction = spawned('api') - ready('db');
    assert.ok(reaction >= 0 && reaction < 500, `api is spawned when db becomes ready, not at a polling tick (${String(reaction)} ms)`);
    assert.equal(readTrace(trace).filter((e) => e.event === 'start').length, 4, 'each service started once');
    await supervisor.down();
  });

  it('leaves dependents of a failed dependency waiting with the reason, never starting them', async () => {
    const { supervisor, trace } = startStack(`services:
  migrate: { command: FIXTURE, oneshot: true, restart: never, env: { EXIT_CODE: "3" } }
  api: { command: FIXTURE, depends_on: { migrate: completed } }
`);
    await supervisor.up();
    const api = await until('api to report the failed migration', () => supervisor.status().find((s) => s.service === 'api' && /migrate/.test(s.reason ?? '') && /failed/.test(s.reason ?? '')));
    assert.equal(api.phase, 'waiting');
    assert.match(api.reason ?? '', /exited with code 3/);
    const result = await supervisor.waitReady(2000);
    assert.equal(result.ok, false);
    assert.equal(readTrace(trace).filter((e) => e.service === 'api').length, 0, 'api never started');
    await supervisor.down();
  });

  it('runs a one-shot to completion before its dependents', async () => {
    const { supervisor, trace } = startStack(`services:
  migrate: { command: FIXTURE, oneshot: true, env: { EXIT_CODE: "0", EXIT_AFTER: "200" } }
  api: { command: FIXTURE, depends_on: { migrate: completed } }
`);
    await supervisor.up();
    assert.deepEqual(await supervisor.waitReady(5000), { ok: true });
    const migrate = supervisor.status().find((s) => s.service === 'migrate');
    assert.equal(migrate?.phase, 'completed');
    assert.equal(readTrace(trace).filter((e) => e.service === 'migrate' && e.event === 'start').length, 1, 'a completed one-shot is not restarted');
    await supervisor.down();
  });

  it('stops grandchildren that ignore SIGTERM on down, leaving nothing behind', async () => {
    const { supervisor } = startStack(`services:
  stubborn:
    command: ${node} ${join(import.meta.dirname, '..', 'fixtures', 'stubborn-tree.mjs')}
    stop: { timeout: 300ms }
`);
    await supervisor.up();
    const running = await until('stubborn to run', () => supervisor.status().find((s) => s.phase === 'running' && s.pid !== null));
    await until('the grandchild to start', () => listGroupMembers(running.pid ?? 0).length === 2);
    await supervisor.down();
    assert.deepEqual(listGroupMembers(running.pid ?? 0), []);
  });

  it('restarts a hung service whose live probe fails, recording a watchdog restart', async () => {
    const { supervisor, events } = startStack(`services:
  api:
    command: FIXTURE
    http: {}
    env: { HEALTHY_FOR: "400" }
    ready: { http: /health }
    live: { http: /health, interval: 100ms, failures: 2 }
`);
    await supervisor.up();
    const watchdog = await until('a watchdog restart', () => events.find((e) => e.type === 'watchdog_restart'), 10_000);
    assert.match(watchdog.output, /503/, 'the probe output is recorded');
    await until('the restarted instance to be ready', () => supervisor.status().find((s) => s.restarts >= 1 && s.phase === 'running' && s.ready === true));
    await supervisor.down();
  });

  it('backs off a crash loop with capped delays, raises one crash-loop event, and recovers once fixed', async () => {
    const { supervisor, trace, dir, events } = startStack(`services:
  flaky:
    command: FIXTURE
    env: { EXIT_UNLESS_FILE: "fixed" }
    backoff: { initial: 50ms, max: 400ms, reset_after: 1s }
`);
    await supervisor.up();
    await until('seven crashes', () => readTrace(trace).filter((e) => e.event === 'start').length >= 7, 15_000);
    const decided = events.flatMap((e) => (e.type === 'state' && e.status.phase === 'backoff' ? [Number(/restarting in (\d+) ms/.exec(e.status.reason ?? '')?.[1])] : []));
    assert.deepEqual(decided.slice(0, 6), [50, 100, 200, 400, 400, 400], 'doubling from 50 ms, capped at 400 ms');
    const starts = readTrace(trace).filter((e) => e.event === 'start').map((e) => e.time);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? t));
    gaps.forEach((gap, i) => {
      assert.ok(gap >= (decided[i] ?? 0), `restart ${String(i + 1)} waited its delay: ${gaps.join(', ')}`);
    });
    assert.equal(events.filter((e) => e.type === 'crash_loop').length, 1, 'one crash-loop event, not one per crash');
    assert.equal(supervisor.status()[0]?.crashLoop, true);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'fixed'), '');
    await until('flaky to run again', () => supervisor.status().find((s) => s.phase === 'running'), 5000);
    await until('the crash loop to be resolved', () => events.find((e) => e.type === 'crash_loop_resolved'), 5000);
    await supervisor.down();
  });

  it('counts the restart delay from the crash, not from the end of the clean-up of its process group', async () => {
    // The leader exits at once; a grandchild that ignores SIGTERM keeps the group alive for 600 ms, which the
    // clean-up waits out. The 700 ms delay runs from the exit: a restart ≈ 700 ms after it, not ≈ 1300.
    const { supervisor, dir } = startStack(`services:
  crashy:
    command: echo "start $(date +%s%3N)" >> runs; (trap "" TERM; sleep 0.6) & echo "exit $(date +%s%3N)" >> runs; exit 1
    stop: { timeout: 5s }
    backoff: { initial: 700ms }
`);
    await supervisor.up();
    const runs = (): string[][] => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').map((line) => line.split(' ')) : []);
    await until('the second run', () => runs().filter(([event]) => event === 'start').length >= 2, 10_000);
    await supervisor.down();
    const [first, second] = [runs().find(([event]) => event === 'exit'), runs().filter(([event]) => event === 'start')[1]];
    const gap = Number(second?.[1]) - Number(first?.[1]);
    assert.ok(gap >= 650 && gap < 1150, `restarted ${String(gap)} ms after the crash (delay 700 ms, clean-up 600 ms)`);
  });

  it('kills what a crashed instance left behind before restarting it, and an explicit restart leaves no old processes', async () => {
    const { supervisor } = startStack(`services:
  leaky:
    command: node -e "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)" & echo "left $$!"; sleep 0.3; exit 1
    stop: { timeout: 200ms }
    backoff: { initial: 100ms }
`);
    const lines: string[] = [];
    supervisor.subscribeLogs((line) => lines.push(line.text));
    await supervisor.up();
    const left = await until('the first grandchild pid', () => lines.find((l) => l.startsWith('left ')));
    const orphan = Number(left.slice(5));
    await until('the first restart', () => supervisor.status().find((s) => s.restarts >= 1));
    const stat = readProcStat(orphan);
    assert.ok(stat === undefined || stat.state === 'Z', 'the SIGTERM-ignoring grandchild of the crashed run is gone');
    await supervisor.stop();

    const second = startStack(`services:
  web: { command: FIXTURE, http: {}, ready: { http: /health } }
`);
    await second.supervisor.up();
    await second.supervisor.waitReady(5000);
    const firstPid = second.supervisor.status()[0]?.pid ?? 0;
    await second.supervisor.restart(['web']);
    await until('web to be ready again', () => second.supervisor.status().find((s) => s.phase === 'running' && s.ready === true && s.pid !== firstPid));
    assert.deepEqual(listGroupMembers(firstPid), [], 'the old instance is gone after restart');
    assert.equal(second.supervisor.status().length, 1, 'one instance, not two');
    await second.supervisor.down();
  });

  it('runs replicas as numbered instances, each with its own port, and waits for all of them', async () => {
    const { supervisor, trace, events } = startStack(`services:
  web: { command: FIXTURE, http: {}, replicas: 3, ready: { http: /health } }
  worker: { command: FIXTURE, depends_on: [web] }
`);
    await supervisor.up();
    assert.deepEqual(await supervisor.waitReady(10_000), { ok: true });
    const web = supervisor.status().filter((s) => s.service === 'web');
    assert.deepEqual(web.map((s) => s.instance), [1, 2, 3]);
    assert.equal(new Set(web.map((s) => s.port)).size, 3, 'three different ports');
    const started = readTrace(trace).filter((e) => e.event === 'start');
    assert.deepEqual(started.filter((e) => e.service === 'web').map((e) => e.instance).sort(), [1, 2, 3], 'BERTH_INSTANCE numbers them');
    const readyTimes = events.flatMap((e) => (e.type === 'state' && e.status.service === 'web' && e.status.ready === true && e.status.phase === 'running' ? [e.time] : []));
    const workerSpawned = events.find((e) => e.type === 'state' && e.status.service === 'worker' && e.status.phase === 'starting')?.time ?? 0;
    assert.ok(workerSpawned >= Math.max(...readyTimes), 'the dependent waits for every replica to be ready');
    await supervisor.down();
  });
});
