// P3: crash → respawn ≤ 150 ms (first restart); crash → ready ≤ respawn + boot + 30 ms.
// One fixture service (test/fixtures/service.mjs, listening at once on $PORT) under the in-process Supervisor with an
// http ready probe and `backoff: { initial: 100ms, reset_after: 1s }`. The benchmark SIGKILLs the service's process
// (crash = the time of the kill) and times: the supervisor's spawn of the replacement (its 'starting' event, stamped
// right after spawn), the replacement's first line (the fixture's trace), its listening (trace) and the supervisor
// seeing it ready (its 'state' event with ready true). Crashes are 1.5 s after the instance became ready, longer than
// reset_after, so every restart is a first restart (delay 100 ms; checked from the backoff reason).
// Baseline in the same run, interleaved crash by crash: a naive supervisor written here (spawn; on exit wait 100 ms,
// like systemd's RestartSec=100ms; spawn again), on the same fixture. External anchor: PM2 ≈ 410 ms.
// Run: npx tsx bench/crash-respawn.bench.ts [--crashes N]
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadStack } from '../src/config/load-stack.js';
import { signalGroup } from '../src/exec/stop-process-group.js';
import { allocatePort } from '../src/supervisor/allocate-port.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import type { InstanceStatus } from '../src/supervisor/supervisor-types.js';
import { FIXTURE, fmt, machineLine, makeStackDir, median, NODE, onCleanup, quantile, readTrace, runBench, sleep, table, until } from './support/harness.js';

const { values: args } = parseArgs({ options: { crashes: { type: 'string', default: '20' } } });
const CRASHES = Math.max(1, Number(args.crashes));
const SPACING_MS = 1500;
const RESTART_SEC_MS = 100;
const RESPAWN_TARGET_MS = 150;
const READY_SLACK_MS = 30;
const PM2_MS = 410;
const ENV = { PATH: process.env.PATH ?? '' };

interface StateEvent {
  readonly time: number;
  readonly status: InstanceStatus;
}

interface BerthCrash {
  readonly respawn: number;
  readonly firstLine: number;
  readonly listening: number;
  readonly ready: number;
  /** The supervisor's spawn → the fixture listening: the service's own boot (node start-up included). */
  readonly boot: number;
  /** Crash → the supervisor in backoff (exit seen, group checked, record removed). */
  readonly exitHandled: number;
  readonly delay: number;
}

interface NaiveCrash {
  readonly respawn: number;
  readonly firstLine: number;
  readonly listening: number;
  readonly boot: number;
}

/** The naive supervisor: spawn; on exit wait RestartSec, spawn again. Stamps each spawn right after spawn() returns, as Berth does. */
class NaiveSupervisor {
  readonly spawns: { pid: number; time: number }[] = [];
  #child: ChildProcess | null = null;
  readonly #env: Record<string, string>;
  #stopped = false;

  constructor(env: Record<string, string>) {
    this.#env = env;
  }

  start(): void {
    if (this.#stopped) return;
    const child = spawn(NODE, [FIXTURE], { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.spawns.push({ pid: child.pid ?? 0, time: Date.now() });
    child.stdout.resume();
    child.stderr.resume();
    child.once('exit', () => {
      if (!this.#stopped) setTimeout(() => {
        this.start();
      }, RESTART_SEC_MS);
    });
    this.#child = child;
  }

  pid(): number {
    return this.#child?.pid ?? 0;
  }

  stop(): void {
    this.#stopped = true;
    const pid = this.pid();
    if (pid > 0) signalGroup(pid, 'SIGKILL');
  }
}

await runBench(15 * 60_000, async () => {
  const dir = makeStackDir('p3', `name: bench-p3
services:
  crasher:
    command: ${JSON.stringify([NODE, FIXTURE])}
    http: {}
    ready: { http: /health }
    backoff: { initial: 100ms, reset_after: 1s }
`);
  const trace = join(dir, 'trace.jsonl');
  const loaded = loadStack({ file: join(dir, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(dir, '.berth'), baseEnv: { ...ENV, TRACE: trace } });
  const states: StateEvent[] = [];
  supervisor.subscribe((event) => {
    if (event.type === 'state') states.push({ time: event.time, status: event.status });
  });
  onCleanup(() => supervisor.down());
  const naive = new NaiveSupervisor({ ...ENV, PORT: String(await allocatePort()), TRACE: trace, BERTH_SERVICE: 'naive', BERTH_INSTANCE: '1' });
  onCleanup(() => {
    naive.stop();
  });

  await supervisor.up();
  naive.start();
  const traceOf = (pid: number, event: string): number | undefined => readTrace(trace).find((e) => e.pid === pid && e.event === event)?.time;
  const readyEvent = (pid: number): StateEvent | undefined => states.find((s) => s.status.pid === pid && s.status.phase === 'running' && s.status.ready === true);

  async function crashBerth(): Promise<BerthCrash> {
    const current = await until('the Berth instance to be ready', () => {
      const status = supervisor.status()[0];
      return status?.phase === 'running' && status.ready === true && status.pid !== null ? status : undefined;
    });
    const oldPid = current.pid ?? 0;
    const readyAt = readyEvent(oldPid)?.time ?? Date.now();
    await sleep(Math.max(0, readyAt + SPACING_MS - Date.now()));
    const crashAt = Date.now();
    process.kill(oldPid, 'SIGKILL');
    const spawned = await until('the Berth respawn', () => states.find((s) => s.time >= crashAt && s.status.phase === 'starting' && s.status.pid !== null && s.status.pid !== oldPid));
    const newPid = spawned.status.pid ?? 0;
    const ready = await until('the respawned instance to be seen ready', () => readyEvent(newPid));
    const firstLine = await until('the respawned fixture\'s first line', () => traceOf(newPid, 'start'));
    const listening = await until('the respawned fixture to listen', () => traceOf(newPid, 'listening'));
    const backoff = states.find((s) => s.time >= crashAt && s.status.phase === 'backoff');
    const delay = Number(/restarting in (\d+) ms/.exec(backoff?.status.reason ?? '')?.[1] ?? Number.NaN);
    return { respawn: spawned.time - crashAt, firstLine: firstLine - crashAt, listening: listening - crashAt, ready: ready.time - crashAt, boot: listening - spawned.time, exitHandled: (backoff?.time ?? Number.NaN) - crashAt, delay };
  }

  async function crashNaive(): Promise<NaiveCrash> {
    const oldPid = naive.pid();
    const listenedAt = await until('the naive instance to listen', () => traceOf(oldPid, 'listening'));
    await sleep(Math.max(0, listenedAt + SPACING_MS - Date.now()));
    const crashAt = Date.now();
    process.kill(oldPid, 'SIGKILL');
    const spawned = await until('the naive respawn', () => naive.spawns.find((s) => s.time >= crashAt && s.pid !== oldPid));
    const firstLine = await until('the naive fixture\'s first line', () => traceOf(spawned.pid, 'start'));
    const listening = await until('the naive fixture to listen', () => traceOf(spawned.pid, 'listening'));
    return { respawn: spawned.time - crashAt, firstLine: firstLine - crashAt, listening: listening - crashAt, boot: listening - spawned.time };
  }

  // One warm-up crash each, not recorded.
  await crashBerth();
  await crashNaive();
  const berth: BerthCrash[] = [];
  const naives: NaiveCrash[] = [];
  for (let i = 0; i < CRASHES; i += 1) {
    berth.push(await crashBerth());
    naives.push(await crashNaive());
    console.error(`crash ${String(i + 1)}/${String(CRASHES)}: berth respawn ${String(berth.at(-1)?.respawn)} ms, ready ${String(berth.at(-1)?.ready)} ms; naive respawn ${String(naives.at(-1)?.respawn)} ms`);
  }

  const stat = (label: string, values: readonly number[], note = ''): string[] => [label, `${fmt(median(values), 0)} ms`, `${fmt(quantile(values, 0.95), 0)} ms`, `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)} ms`, note];
  const b = (key: keyof BerthCrash): number[] => berth.map((c) => c[key]);
  const n = (key: keyof NaiveCrash): number[] => naives.map((c) => c[key]);
  const readyMinusBoot = berth.map((c) => c.ready - c.boot);
  const excess = berth.map((c) => c.ready - c.respawn - c.boot);
  const firstRestarts = berth.filter((c) => c.delay === 100).length;
  const respawnMedian = median(b('respawn'));
  const respawnP95 = quantile(b('respawn'), 0.95);
  const excessMedian = median(excess);
  const excessP95 = quantile(excess, 0.95);
  const naiveRespawn = median(n('respawn'));
  console.log([
    machineLine(),
    `Command: \`npx tsx bench/crash-respawn.bench.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` · ${String(CRASHES)} SIGKILLs of each after one warm-up, interleaved Berth/naive, each ${String(SPACING_MS)} ms after the instance was ready; ${String(firstRestarts)}/${String(CRASHES)} Berth restarts were first restarts (backoff 100 ms)`,
    '',
    table(['measure (from the SIGKILL)', 'median', 'p95', 'range', ''], [
      stat('Berth: crash → replacement spawned (respawn)', b('respawn'), `target ≤ ${String(RESPAWN_TARGET_MS)} ms`),
      stat('Berth: crash → exit handled (in backoff)', b('exitHandled'), 'exit seen, group checked, record removed'),
      stat('Berth: crash → replacement\'s first line', b('firstLine'), 'respawn + node start-up'),
      stat('Berth: crash → listening', b('listening'), ''),
      stat('Berth: crash → ready seen', b('ready'), ''),
      stat('Berth: boot (spawn → listening)', b('boot'), 'the service\'s own'),
      stat('Berth: crash → ready − boot', readyMinusBoot, `target ≤ respawn + ${String(READY_SLACK_MS)} ms`),
      stat('Berth: crash → ready − respawn − boot', excess, `target ≤ ${String(READY_SLACK_MS)} ms`),
      stat(`naive (RestartSec ${String(RESTART_SEC_MS)} ms): crash → replacement spawned`, n('respawn'), 'baseline'),
      stat('naive: crash → replacement\'s first line', n('firstLine'), ''),
      stat('naive: crash → listening', n('listening'), ''),
      stat('naive: boot (spawn → listening)', n('boot'), ''),
    ]),
    '',
    `Target P3 respawn ≤ ${String(RESPAWN_TARGET_MS)} ms: median ${fmt(respawnMedian, 0)} ms, p95 ${fmt(respawnP95, 0)} ms: ${respawnMedian <= RESPAWN_TARGET_MS ? 'met' : 'NOT met'} (median)${respawnP95 <= RESPAWN_TARGET_MS ? ', met at p95 too' : ', NOT met at p95'}.`,
    `Target P3 crash → ready ≤ respawn + boot + ${String(READY_SLACK_MS)} ms: the excess is median ${fmt(excessMedian, 0)} ms, p95 ${fmt(excessP95, 0)} ms: ${excessMedian <= READY_SLACK_MS ? 'met' : 'NOT met'} (median)${excessP95 <= READY_SLACK_MS ? ', met at p95 too' : ', NOT met at p95'}.`,
    `Ratios: Berth respawn ÷ naive respawn (same run) ${fmt(respawnMedian / naiveRespawn, 2)}; Berth crash → ready ÷ PM2's ≈ ${String(PM2_MS)} ms ${fmt(median(b('ready')) / PM2_MS, 2)}.`,
  ].join('\n'));
});
