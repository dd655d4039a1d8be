// P2: `berth up` of a 12-service, 3-level stack ≤ 150 ms over the critical path of the services' own boot times.
// The stack: 3 levels of 4 fixture services (test/fixtures/service.mjs), each level depending on every service of
// the level below with `condition: ready`, each with an http ready probe; every service listens after a random
// 50–300 ms (LISTEN_AFTER), new draws every run. A service's own boot time = node's start-up (spawn → the fixture's
// first line, measured alone in the same run) + the fixture's traced start → listening. Critical path = Σ over levels
// of the slowest boot in the level. Overhead = (up → every service ready) − critical path, measured three ways:
//   in-process Supervisor (up() → waitReady()), the CLI in-process (`main(['up','-d'])`: loads the stack, spawns the
//   daemon under tsx, waits), and the compiled CLI as a child process (`node dist/cli/run-main.js up -d`: plain node,
//   what a user runs). Baseline in the same run: what compose's 500 ms depends_on poll would add on the same boot
//   times (each level starts at the first 500 ms tick after the level below is ready; derived from the same traces,
//   with the tick phase drawn at random, and with ticks aligned to each level's start).
// --against REF adds the compiled CLI built from src/ at git commit REF as a fourth mode, interleaved run by run:
// before/after under the same load.
// Run: npx tsx bench/up-critical-path.bench.ts [--runs N] [--no-compiled] [--against REF]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.js';
import { loadStack } from '../src/config/load-stack.js';
import { spawnProcess } from '../src/exec/spawn-process.js';
import { stopProcessGroup } from '../src/exec/stop-process-group.js';
import { allocatePort } from '../src/supervisor/allocate-port.js';
import { Supervisor } from '../src/supervisor/supervisor.js';
import { captureIo, compiledCli, compiledCliAt, FIXTURE, fmt, machineLine, makeStackDir, median, NODE, onCleanup, quantile, readTrace, runBench, stopDaemonAtCleanup, table, until, type TraceEvent } from './support/harness.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '12' }, 'no-compiled': { type: 'boolean', default: false }, against: { type: 'string' } } });
const RUNS = Math.max(1, Number(args.runs));
const COMPILED = !args['no-compiled'];
const TARGET_MS = 150;
const POLL_MS = 500;
const LEVELS = 3;
const WIDTH = 4;
const CALIBRATIONS_PER_RUN = 3;
const ENV = { PATH: process.env.PATH ?? '' };

// Deterministic draws, so a rerun sees the same boot times.
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const nameOf = (level: number, index: number): string => `l${String(level)}-s${String(index)}`;

function stackYaml(): string {
  const command = JSON.stringify([NODE, FIXTURE]);
  const lines = ['name: bench-p2', 'services:'];
  for (let level = 0; level < LEVELS; level += 1) {
    for (let index = 0; index < WIDTH; index += 1) {
      const listenAfter = 50 + Math.round(random() * 250);
      const deps = level === 0 ? '' : `, depends_on: { ${Array.from({ length: WIDTH }, (_, i) => `${nameOf(level - 1, i)}: ready`).join(', ')} }`;
      lines.push(`  ${nameOf(level, index)}: { command: ${command}, http: {}, env: { LISTEN_AFTER: "${String(listenAfter)}" }, ready: { http: /health }${deps} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Node's own start-up for this fixture, alone: spawn → the fixture's first line, and spawn → listening (LISTEN_AFTER 0). */
async function calibrate(): Promise<{ start: number; listening: number }> {
  const dir = makeStackDir('p2-calibrate', '');
  const trace = join(dir, 'trace.jsonl');
  const port = await allocatePort();
  const began = Date.now();
  const handle = spawnProcess({ command: { argv: [NODE, FIXTURE] }, cwd: dir, env: { ...ENV, PORT: String(port), LISTEN_AFTER: '0', TRACE: trace, BERTH_SERVICE: 'calibrate', BERTH_INSTANCE: '1' } });
  const stop = onCleanup(() => stopProcessGroup(handle.pgid, 'SIGKILL', 2000));
  handle.stdout?.resume();
  handle.stderr?.resume();
  try {
    const listening = await until('the calibration fixture to listen', () => readTrace(trace).find((e) => e.event === 'listening'));
    const start = readTrace(trace).find((e) => e.event === 'start');
    return { start: (start?.time ?? Number.NaN) - began, listening: listening.time - began };
  } finally {
    await stop();
  }
}

interface Boots {
  /** Per level: the slowest traced start → listening. */
  readonly traced: number[];
}

function tracedBoots(events: readonly TraceEvent[]): Boots {
  const traced: number[] = [];
  for (let level = 0; level < LEVELS; level += 1) {
    let slowest = 0;
    for (let index = 0; index < WIDTH; index += 1) {
      const mine = events.filter((e) => e.service === nameOf(level, index));
      const start = mine.find((e) => e.event === 'start')?.time;
      const listening = mine.find((e) => e.event === 'listening')?.time;
      if (start === undefined || listening === undefined) throw new Error(`no start/listening trace for ${nameOf(level, index)}`);
      if (mine.filter((e) => e.event === 'start').length !== 1) throw new Error(`${nameOf(level, index)} started more than once`);
      slowest = Math.max(slowest, listening - start);
    }
    traced.push(slowest);
  }
  return { traced };
}

/** Critical path with node's start-up (measured alone) added to each level's slowest traced boot. */
const criticalPath = (boots: Boots, nodeStart: number): number => boots.traced.reduce((sum, b) => sum + nodeStart + b, 0);

/**
 * What a 500 ms poller adds on these boot times. Each level is seen ready at the first tick at or after it is ready;
 * `phases[l]` is where level l's ticks fall relative to its start (0: compose's ticker starts as the dependency
 * starts). With phase 0 the result depends on where the boots fall against multiples of 500 ms (a boot of 490 ms
 * costs 10 ms, one of 510 ms costs 490 ms), so the benchmark also draws the phase at random per level and run,
 * whose expectation is 250 ms a level whatever the boots.
 */
function composeOverhead(boots: Boots, nodeStart: number, phases: readonly number[]): number {
  return boots.traced.reduce((sum, traced, level) => {
    const boot = nodeStart + traced;
    const phase = phases[level] ?? 0;
    const tick = phase + Math.max(phase > 0 ? 0 : 1, Math.ceil((boot - phase) / POLL_MS)) * POLL_MS;
    return sum + tick - boot;
  }, 0);
}

interface InProcessRun {
  readonly total: number;
  readonly boots: Boots;
  /** Σ levels of the slowest (spawned, as the supervisor stamped it) → listening: node start-up under the run's real contention. */
  readonly criticalInRun: number;
  readonly upToFirstSpawn: number;
  readonly readySeenToNextSpawn: number[];
  readonly listeningToReadySeen: number[];
  readonly spawnStagger: number[];
  readonly spawnToFirstLine: number[];
  readonly lastReadyToReturn: number;
}

async function runInProcess(yaml: string): Promise<InProcessRun> {
  const dir = makeStackDir('p2-sup', yaml);
  const trace = join(dir, 'trace.jsonl');
  const loaded = loadStack({ file: join(dir, 'berth.yml') });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const supervisor = new Supervisor({ stack: loaded.stack, stateDir: join(dir, '.berth'), baseEnv: { ...ENV, TRACE: trace } });
  const spawned = new Map<string, number>();
  const readySeen = new Map<string, number>();
  supervisor.subscribe((event) => {
    if (event.type !== 'state') return;
    const { service, phase, ready } = event.status;
    if (phase === 'starting' && !spawned.has(service)) spawned.set(service, event.time);
    if (phase === 'running' && ready === true && !readySeen.has(service)) readySeen.set(service, event.time);
  });
  const down = onCleanup(() => supervisor.down());
  const began = Date.now();
  await supervisor.up();
  const result = await supervisor.waitReady(30_000);
  const total = Date.now() - began;
  const lastReady = Math.max(...readySeen.values());
  await down();
  if (!result.ok) throw new Error(`not ready: ${JSON.stringify(result.failing)}`);
  const events = readTrace(trace);
  const at = (service: string, event: string): number => events.find((e) => e.service === service && e.event === event)?.time ?? Number.NaN;
  const level = (l: number): string[] => Array.from({ length: WIDTH }, (_, i) => nameOf(l, i));
  const get = (map: Map<string, number>, service: string): number => map.get(service) ?? Number.NaN;
  let criticalInRun = 0;
  const readySeenToNextSpawn: number[] = [];
  const listeningToReadySeen: number[] = [];
  const spawnStagger: number[] = [];
  for (let l = 0; l < LEVELS; l += 1) {
    spawnStagger.push(Math.max(...level(l).map((s) => get(spawned, s))) - Math.min(...level(l).map((s) => get(spawned, s))));
    criticalInRun += Math.max(...level(l).map((s) => at(s, 'listening') - get(spawned, s)));
    listeningToReadySeen.push(Math.max(...level(l).map((s) => get(readySeen, s))) - Math.max(...level(l).map((s) => at(s, 'listening'))));
    if (l > 0) readySeenToNextSpawn.push(Math.min(...level(l).map((s) => get(spawned, s))) - Math.max(...level(l - 1).map((s) => get(readySeen, s))));
  }
  return {
    total,
    boots: tracedBoots(events),
    criticalInRun,
    upToFirstSpawn: Math.min(...spawned.values()) - began,
    readySeenToNextSpawn,
    listeningToReadySeen,
    spawnStagger,
    spawnToFirstLine: [...spawned].map(([service, time]) => at(service, 'start') - time),
    lastReadyToReturn: began + total - lastReady,
  };
}

interface CliRun {
  readonly total: number;
  readonly boots: Boots;
  /** Command start → the daemon's API listening (daemon.json's `started`). */
  readonly toDaemon: number;
  /** Command start → the first service's first line: the CLI and daemon start-up before any service runs. */
  readonly toFirstLine: number;
}

/** When the daemon of the stack in `dir` had its API up (ms since the epoch), from daemon.json. */
function daemonStarted(dir: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, '.berth', 'daemon.json'), 'utf8')) as { started: number }).started;
  } catch {
    return Number.NaN;
  }
}

/** `berth up -d` in-process (the daemon runs under tsx, like the tests'), then `berth down`. */
async function runCli(yaml: string): Promise<CliRun> {
  const dir = makeStackDir('p2-cli', yaml);
  const trace = join(dir, 'trace.jsonl');
  const stop = stopDaemonAtCleanup(dir);
  const io = captureIo(dir, { ...ENV, TRACE: trace });
  const began = Date.now();
  const code = await main(['up', '-d'], io);
  const total = Date.now() - began;
  const daemonAt = daemonStarted(dir);
  await stop();
  if (code !== 0) throw new Error(`berth up -d exited ${String(code)}: ${io.err()}`);
  const events = readTrace(trace);
  return { total, boots: tracedBoots(events), toDaemon: daemonAt - began, toFirstLine: Math.min(...events.map((e) => e.time)) - began };
}

/** `node <compiled>/cli/run-main.js up -d` as a child process: the whole command as a user runs it, plain node. */
async function runCompiledCli(entry: string, yaml: string): Promise<CliRun> {
  const dir = makeStackDir('p2-bin', yaml);
  const trace = join(dir, 'trace.jsonl');
  const stop = stopDaemonAtCleanup(dir);
  const began = Date.now();
  const child = spawn(NODE, [entry, 'up', '-d'], { cwd: dir, env: { ...ENV, TRACE: trace }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const total = Date.now() - began;
  const daemonAt = daemonStarted(dir);
  await stop();
  if (code !== 0) throw new Error(`compiled berth up -d exited ${String(code)}: ${err}`);
  const events = readTrace(trace);
  return { total, boots: tracedBoots(events), toDaemon: daemonAt - began, toFirstLine: Math.min(...events.map((e) => e.time)) - began };
}

await runBench(25 * 60_000, async () => {
  const entry = COMPILED ? compiledCli() : null;
  const againstEntry = args.against === undefined ? null : compiledCliAt(args.against);
  // Warm-up, not recorded: module JIT, tsx's transform cache, the page cache for node and the fixture.
  const warm = stackYaml();
  await calibrate();
  await runInProcess(warm);
  await runCli(warm);
  if (entry !== null) await runCompiledCli(entry, warm);
  if (againstEntry !== null) await runCompiledCli(againstEntry, warm);

  const calibrations: { start: number; listening: number }[] = [];
  const inProcess: InProcessRun[] = [];
  const cli: CliRun[] = [];
  const compiled: CliRun[] = [];
  const against: CliRun[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    for (let i = 0; i < CALIBRATIONS_PER_RUN; i += 1) calibrations.push(await calibrate());
    const yaml = stackYaml();
    inProcess.push(await runInProcess(yaml));
    cli.push(await runCli(yaml));
    if (entry !== null) compiled.push(await runCompiledCli(entry, yaml));
    if (againstEntry !== null) against.push(await runCompiledCli(againstEntry, yaml));
    console.error(`run ${String(run + 1)}/${String(RUNS)}: in-process ${String(inProcess.at(-1)?.total)} ms, cli ${String(cli.at(-1)?.total)} ms${entry === null ? '' : `, compiled cli ${String(compiled.at(-1)?.total)} ms`}${againstEntry === null ? '' : `, compiled cli at ${args.against ?? ''} ${String(against.at(-1)?.total)} ms`}`);
  }

  const nodeStart = median(calibrations.map((c) => c.start));
  const nodeListen = median(calibrations.map((c) => c.listening));
  const row = (label: string, runs: readonly { total: number; boots: Boots }[]): { cells: string[]; overhead: number } => {
    const totals = runs.map((r) => r.total);
    const paths = runs.map((r) => criticalPath(r.boots, nodeStart));
    const overheads = runs.map((r) => r.total - criticalPath(r.boots, nodeStart));
    const overhead = median(overheads);
    return { overhead, cells: [label, `${fmt(median(totals), 0)} ms`, `${fmt(median(paths), 0)} ms`, `**${fmt(overhead, 0)} ms**`, `${fmt(quantile(overheads, 0.9), 0)} ms`, `${fmt(Math.min(...overheads), 0)}–${fmt(Math.max(...overheads), 0)} ms`, overhead <= TARGET_MS ? 'met' : 'NOT met'] };
  };
  const aligned = inProcess.map((r) => composeOverhead(r.boots, nodeStart, []));
  const randomPhase = inProcess.map((r) => composeOverhead(r.boots, nodeStart, Array.from({ length: LEVELS }, () => random() * POLL_MS)));
  const composeMedian = median(randomPhase);
  const rows = [row('Supervisor in-process: up() → waitReady()', inProcess), row('`berth up -d`, CLI in-process, daemon under tsx', cli)];
  if (entry !== null) rows.push(row('`node dist/cli/run-main.js up -d` (compiled, child process)', compiled));
  const compiledOverhead = rows.at(-1)?.overhead ?? Number.NaN;
  if (againstEntry !== null) rows.push(row(`the same command compiled from ${args.against ?? ''} (before/after, same run)`, against));
  const composeRow = (label: string, values: readonly number[]): string[] => [label, '', '', `${fmt(median(values), 0)} ms`, `${fmt(quantile(values, 0.9), 0)} ms`, `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)} ms`, ''];
  const composeRows = [composeRow('compose-style 500 ms poller on the same boot times, random tick phase (simulated; baseline)', randomPhase), composeRow('same, ticks aligned with each level\'s start (simulated)', aligned)];

  const inRunOverheads = inProcess.map((r) => r.total - r.criticalInRun);
  const flat = (pick: (r: InProcessRun) => number[]): number[] => inProcess.flatMap(pick);
  const breakdown = [
    ['up() → first process spawned (reap leftovers, log files, port, spawn)', fmt(median(inProcess.map((r) => r.upToFirstSpawn)))],
    ['a level seen ready → the next level\'s first spawn (graph pass, port, spawn)', fmt(median(flat((r) => r.readySeenToNextSpawn)))],
    ['first → last spawn within a level (4 spawns, one after another)', fmt(median(flat((r) => r.spawnStagger)))],
    ['a level\'s last listening → its last ready seen (http probe detection)', fmt(median(flat((r) => r.listeningToReadySeen)))],
    ['spawned → the fixture\'s first line, in the stack (node start-up, 4 at once)', fmt(median(flat((r) => r.spawnToFirstLine)))],
    ['spawn → first line alone (calibration, used in the critical path)', fmt(nodeStart)],
    ['last ready seen → waitReady() returned (decided on the state event since 0010)', fmt(median(inProcess.map((r) => r.lastReadyToReturn)))],
    ['overhead with boots measured in the run (spawn stamp → listening, contention included)', fmt(median(inRunOverheads))],
  ];

  const startup = (label: string, runs: readonly CliRun[]): string[] => {
    const overheads = runs.map((r) => r.total - criticalPath(r.boots, nodeStart) - (r.toFirstLine - nodeStart));
    return [label, fmt(median(runs.map((r) => r.toDaemon)), 0), fmt(median(runs.map((r) => r.toFirstLine)), 0), fmt(median(overheads), 0)];
  };
  const startupRows = [startup('CLI in-process, daemon under tsx', cli), ...(entry === null ? [] : [startup('compiled CLI (child process)', compiled)]), ...(againstEntry === null ? [] : [startup(`compiled CLI at ${args.against ?? ''}`, against)])];

  const inProcessOverhead = rows[0]?.overhead ?? Number.NaN;
  const cliOverhead = compiledOverhead;
  console.log([
    machineLine(),
    `Command: \`npx tsx bench/up-critical-path.bench.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` · ${String(RUNS)} runs of each mode after one warm-up; 12 services in 3 levels of 4, LISTEN_AFTER 50–300 ms drawn per service per run (same draws for every mode of a run)`,
    `Node start-up of the fixture alone (${String(calibrations.length)} spawns): spawn → first line median ${fmt(nodeStart)} ms, spawn → listening median ${fmt(nodeListen)} ms`,
    '',
    table(['mode', 'median total', 'median critical path', 'median overhead', 'p90 overhead', 'overhead range', `≤ ${String(TARGET_MS)} ms`], [...rows.map((r) => r.cells), ...composeRows]),
    '',
    'Where the in-process time goes (medians, ms):',
    '',
    table(['step', 'ms'], breakdown),
    '',
    'Where the end-to-end time goes (medians, ms from the command\'s start):',
    '',
    table(['mode', 'daemon API up', 'first service\'s first line', 'overhead without the start-up (overhead − (first line − node start-up))'], startupRows),
    '',
    `Target P2 (overhead ≤ ${String(TARGET_MS)} ms): in-process ${fmt(inProcessOverhead, 0)} ms ${inProcessOverhead <= TARGET_MS ? 'met' : 'NOT met'}; end to end (${entry === null ? 'CLI under tsx' : 'compiled CLI'}) ${fmt(cliOverhead, 0)} ms ${cliOverhead <= TARGET_MS ? 'met' : 'NOT met'}.`,
    `Ratio Berth overhead ÷ compose-style 500 ms poll overhead on the same boot times (random phase): in-process ${fmt(inProcessOverhead / composeMedian, 2)}, end to end ${fmt(cliOverhead / composeMedian, 2)}; with ticks aligned: ${fmt(inProcessOverhead / median(aligned), 2)} and ${fmt(cliOverhead / median(aligned), 2)}.`,
  ].join('\n'));
});
