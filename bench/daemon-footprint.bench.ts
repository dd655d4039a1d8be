// P4: daemon footprint, 20 services, 1 s liveness probes, edge on: ≤ 60 MB RSS, ≤ 2 % of a core, ≤ 5 % RSS growth
// over a 1 h soak.
// Starts a real daemon with `berth up -d` on 20 fixture services (test/fixtures/service.mjs), each with an http ready
// probe, an http live probe every 1 s and a route (host svc-NN.localhost) on an edge listening on a free port, so the
// edge process runs; then samples the daemon process's RSS (/proc/<pid>/status VmRSS) and CPU time (/proc/<pid>/stat
// utime + stime) every --interval seconds for --minutes, and the edge's process group (primary + workers: RSS summed,
// PSS summed from smaps_rollup, CPU summed) alongside; then `berth down`. Growth is reported from the sample at
// --warmup minutes (default 5, at most half the run) to the end.
// --daemon compiled (default): the CLI compiled with tsc into node_modules/.cache/berth-bench, run with plain node
// (as `bin/berth.js` runs dist/), so the daemon carries no TypeScript loader. --daemon tsx: `main(['up','-d'])`
// in-process, so the daemon runs under tsx like in the tests (tsx's loader thread adds to its RSS).
// Baseline in the same run: an idle `node -e "setInterval(()=>{},1000)"` (Node's own floor), sampled alongside.
// --against REF (compiled mode): a second stack of the same services, started by the CLI compiled from src/ at git
// commit REF, sampled alongside: before/after in the same run, under the same load. --at REF: the measured stack's
// daemon is the CLI compiled from commit REF instead of the working tree (whose uncommitted edits by others would
// otherwise be measured too).
// Run: npx tsx bench/daemon-footprint.bench.ts [--minutes 10] [--interval 10] [--warmup 5] [--daemon compiled|tsx] [--services 20] [--against REF] [--at REF] [--cli PATH]
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { callApi } from '../src/client/api-client.js';
import { main } from '../src/cli/main.js';
import { getStatePaths } from '../src/daemon/state-paths.js';
import type { InstanceStatus } from '../src/supervisor/supervisor-types.js';
import { captureIo, compiledCli, compiledCliAt, daemonPid, FIXTURE, fmt, machineLine, makeStackDir, NODE, onCleanup, runBench, sleep, stopDaemonAtCleanup, table } from './support/harness.js';
import { allocatePort } from '../src/supervisor/allocate-port.js';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, interval: { type: 'string', default: '10' }, daemon: { type: 'string', default: 'compiled' }, services: { type: 'string', default: '20' }, against: { type: 'string' }, warmup: { type: 'string', default: '5' }, at: { type: 'string' }, cli: { type: 'string' } } });
const MINUTES = Math.max(0.1, Number(args.minutes));
const INTERVAL_MS = Math.max(1, Number(args.interval)) * 1000;
const SERVICES = Math.max(1, Number(args.services));
const WARMUP_MS = Math.max(0, Math.min(Number(args.warmup), MINUTES / 2)) * 60_000;
const MODE = args.daemon === 'tsx' ? 'tsx' : 'compiled';
const TARGET_RSS_MB = 60;
const TARGET_CPU = 2;
const TARGET_GROWTH = 5;
const ENV = { PATH: process.env.PATH ?? '' };
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

interface Usage {
  readonly rssKb: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
}

function readUsage(pid: number): Usage {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssKb, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name: state, ppid, pgrp, ...
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${String(pid)}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The edge's process group (its primary is the daemon's child running edge-main, in its own group): usage summed. */
interface GroupUsage {
  readonly processes: number;
  readonly rssKb: number;
  readonly pssKb: number;
  readonly cpuTicks: number;
}

function edgeGroupUsage(daemon: number): GroupUsage {
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  const info = new Map<number, string[]>();
  for (const pid of pids) {
    try {
      info.set(pid, statFields(pid));
    } catch {
      // gone meanwhile
    }
  }
  const primary = [...info.entries()].find(([pid, fields]) => Number(fields[1]) === daemon && readCmdline(pid).includes('edge-main'))?.[0];
  if (primary === undefined) return { processes: 0, rssKb: 0, pssKb: 0, cpuTicks: 0 };
  let processes = 0;
  let rss = 0;
  let pss = 0;
  let cpu = 0;
  for (const [pid, fields] of info) {
    if (Number(fields[2]) !== primary) continue;
    try {
      const usage = readUsage(pid);
      processes += 1;
      rss += usage.rssKb;
      cpu += usage.cpuTicks;
      pss += pssKb(pid);
    } catch {
      // gone meanwhile
    }
  }
  return { processes, rssKb: rss, pssKb: pss, cpuTicks: cpu };
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

interface Sample {
  readonly at: number;
  readonly daemon: Usage;
  readonly floor: Usage;
  readonly edge: GroupUsage;
}


function stackYaml(edgePort: number): string {
  const command = JSON.stringify([NODE, FIXTURE]);
  const lines = ['name: bench-p4', `edge: { listen: { http: ${String(edgePort)}, address: 127.0.0.1 } }`, 'services:'];
  for (let i = 0; i < SERVICES; i += 1) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    lines.push(`  ${name}: { command: ${command}, http: {}, ready: { http: /health }, live: { http: /health, interval: 1s }, routes: [{ host: ${name}.localhost }] }`);
  }
  return `${lines.join('\n')}\n`;
}

/** GET http://127.0.0.1:<edgePort>/ with Host svc-00.localhost: the status the edge answers (0 on error). */
function throughEdge(edgePort: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: edgePort, path: '/', headers: { host: 'svc-00.localhost' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', () => {
      resolve(0);
    });
    req.setTimeout(5000, () => req.destroy());
    req.end();
  });
}

async function upDetached(dir: string, cli?: string): Promise<void> {
  if (MODE === 'tsx' && cli === undefined) {
    const io = captureIo(dir, ENV);
    const code = await main(['up', '-d'], io);
    if (code !== 0) throw new Error(`berth up -d exited ${String(code)}: ${io.err()}`);
    return;
  }
  const child = spawn(NODE, [cli ?? compiledCli(), 'up', '-d'], { cwd: dir, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`compiled berth up -d exited ${String(code)}: ${err}`);
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

await runBench((MINUTES + 6) * 60_000, async () => {
  // --cli PATH: a prebuilt run-main.js to measure (e.g. a copy of a compiled tree with one change), else --at REF.
  const cliAt = args.cli ?? (args.at === undefined ? undefined : compiledCliAt(args.at));
  if (MODE === 'compiled' && cliAt === undefined) compiledCli();
  const floor = spawn(NODE, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
  onCleanup(() => floor.kill('SIGKILL'));
  const edgePort = await allocatePort();
  const dir = makeStackDir('p4', stackYaml(edgePort));
  const stop = stopDaemonAtCleanup(dir);
  const began = Date.now();
  await upDetached(dir, cliAt);
  const upMs = Date.now() - began;
  const pid = daemonPid(dir);
  if (pid === null || floor.pid === undefined) throw new Error('no daemon pid (daemon.json) or no floor process');
  console.error(`daemon ${String(pid)} (${args.at === undefined ? MODE : `compiled at ${args.at}`}) ready with ${String(SERVICES)} services in ${String(upMs)} ms; sampling every ${String(INTERVAL_MS / 1000)} s for ${String(MINUTES)} min`);

  // The same stack under the daemon of commit --against, sampled alongside.
  let against: { readonly pid: number; readonly samples: Usage[]; readonly edge: GroupUsage[] } | null = null;
  if (args.against !== undefined) {
    const againstDir = makeStackDir('p4-against', stackYaml(await allocatePort()));
    stopDaemonAtCleanup(againstDir);
    await upDetached(againstDir, compiledCliAt(args.against));
    const againstPid = daemonPid(againstDir);
    if (againstPid === null) throw new Error('no pid for the --against daemon');
    against = { pid: againstPid, samples: [], edge: [] };
    console.error(`daemon ${String(againstPid)} of ${args.against} ready alongside`);
  }
  const samples: Sample[] = [];
  const end = Date.now() + MINUTES * 60_000;
  for (;;) {
    samples.push({ at: Date.now(), daemon: readUsage(pid), floor: readUsage(floor.pid), edge: edgeGroupUsage(pid) });
    if (against !== null) {
      against.samples.push(readUsage(against.pid));
      against.edge.push(edgeGroupUsage(against.pid));
    }
    const last = samples.at(-1);
    const previous = samples.at(-2);
    if (last !== undefined && previous !== undefined) {
      const cpu = ((last.daemon.cpuTicks - previous.daemon.cpuTicks) / CLOCK_TICKS / ((last.at - previous.at) / 1000)) * 100;
      const edgeCpu = ((last.edge.cpuTicks - previous.edge.cpuTicks) / CLOCK_TICKS / ((last.at - previous.at) / 1000)) * 100;
      const againstLine = against === null ? '' : ` · against: daemon RSS ${fmt((against.samples.at(-1)?.rssKb ?? 0) / 1024)} MB, CPU ${fmt((((against.samples.at(-1)?.cpuTicks ?? 0) - (against.samples.at(-2)?.cpuTicks ?? 0)) / CLOCK_TICKS / ((last.at - previous.at) / 1000)) * 100, 2)} %`;
      console.error(`${fmt((last.at - began) / 60_000, 2)} min: daemon RSS ${fmt(last.daemon.rssKb / 1024)} MB, CPU ${fmt(cpu, 2)} % · edge ${String(last.edge.processes)} processes RSS ${fmt(last.edge.rssKb / 1024)} MB (PSS ${fmt(last.edge.pssKb / 1024)}), CPU ${fmt(edgeCpu, 2)} % · floor RSS ${fmt(last.floor.rssKb / 1024)} MB${againstLine}`);
    }
    if (Date.now() >= end) break;
    await sleep(Math.min(INTERVAL_MS, end - Date.now()));
  }

  // Sanity: every instance is up and its live probe ran within the last 3 s.
  const status = await callApi(getStatePaths(join(dir, 'berth.yml')).socket, 'GET', '/v1/status', 5000);
  const instances = status.ok ? (status.body as { instances: InstanceStatus[] }).instances : [];
  const now = Date.now();
  const probed = instances.filter((s) => s.phase === 'running' && s.ready === true && s.lastProbe !== null && now - s.lastProbe.time < 3000).length;
  const restarts = instances.reduce((sum, s) => sum + s.restarts, 0);
  const edgeStatus = await throughEdge(edgePort);
  await stop();

  const first = samples[0];
  const last = samples.at(-1);
  if (first === undefined || last === undefined) throw new Error('no samples');
  const mb = (kb: number): number => kb / 1024;
  const rssStart = mb(first.daemon.rssKb);
  const rssEnd = mb(last.daemon.rssKb);
  const rssMax = Math.max(...samples.map((s) => mb(s.daemon.rssKb)));
  const growth = ((rssEnd - rssStart) / rssStart) * 100;
  const afterWarmup = samples.find((s) => s.at - first.at >= WARMUP_MS) ?? first;
  const rssWarm = mb(afterWarmup.daemon.rssKb);
  const trend = slope(samples.filter((s) => s.at - first.at >= 120_000).map((s) => [(s.at - first.at) / 3_600_000, mb(s.daemon.rssKb)] as const));
  const windowS = (last.at - first.at) / 1000;
  const cpu = ((last.daemon.cpuTicks - first.daemon.cpuTicks) / CLOCK_TICKS / windowS) * 100;
  const edgeCpu = ((last.edge.cpuTicks - first.edge.cpuTicks) / CLOCK_TICKS / windowS) * 100;
  const edgeRssMax = Math.max(...samples.map((s) => mb(s.edge.rssKb)));
  const cpuPeaks = samples.slice(1).map((s, i) => {
    const p = samples[i] ?? s;
    return ((s.daemon.cpuTicks - p.daemon.cpuTicks) / CLOCK_TICKS / ((s.at - p.at) / 1000)) * 100;
  });
  const floorEnd = mb(last.floor.rssKb);
  const floorMax = Math.max(...samples.map((s) => mb(s.floor.rssKb)));
  const perMinute = new Set<Sample>([last]);
  for (let minute = 0; minute * 60_000 <= last.at - first.at; minute += 1) {
    const at = samples.find((s) => s.at - first.at >= minute * 60_000 - 1000);
    if (at !== undefined) perMinute.add(at);
  }
  const minuteRows = samples.filter((s) => perMinute.has(s)).map((s) => [fmt((s.at - first.at) / 60_000, 1), fmt(mb(s.daemon.rssKb)), fmt(mb(s.floor.rssKb)), fmt(mb(s.daemon.rssKb - s.floor.rssKb)), fmt(((s.daemon.cpuTicks - first.daemon.cpuTicks) / CLOCK_TICKS) * 1000, 0), `${fmt(mb(s.edge.rssKb))} / ${fmt(mb(s.edge.pssKb))}`, fmt(((s.edge.cpuTicks - first.edge.cpuTicks) / CLOCK_TICKS) * 1000, 0)]);
  const againstRows: string[][] = [];
  const againstFirst = against?.samples[0];
  const againstLast = against?.samples.at(-1);
  if (against !== null && againstFirst !== undefined && againstLast !== undefined) {
    const againstCpu = ((againstLast.cpuTicks - againstFirst.cpuTicks) / CLOCK_TICKS / windowS) * 100;
    const againstMax = Math.max(...against.samples.map((u) => mb(u.rssKb)));
    const againstWarm = against.samples[samples.indexOf(afterWarmup)] ?? againstFirst;
    const againstEdgeFirst = against.edge[0];
    const againstEdgeLast = against.edge.at(-1);
    const againstEdgeCpu = againstEdgeFirst === undefined || againstEdgeLast === undefined ? Number.NaN : ((againstEdgeLast.cpuTicks - againstEdgeFirst.cpuTicks) / CLOCK_TICKS / windowS) * 100;
    againstRows.push(
      ['RSS at start / end / max (MB)', `${fmt(rssStart)} / ${fmt(rssEnd)} / ${fmt(rssMax)}`, `${fmt(mb(againstFirst.rssKb))} / ${fmt(mb(againstLast.rssKb))} / ${fmt(againstMax)}`, fmt(rssEnd / mb(againstLast.rssKb), 2)],
      ['RSS above the floor at end (MB)', fmt(rssEnd - floorEnd), fmt(mb(againstLast.rssKb) - floorEnd), fmt((rssEnd - floorEnd) / (mb(againstLast.rssKb) - floorEnd), 2)],
      [`CPU over the window (% of one core)`, fmt(cpu, 2), fmt(againstCpu, 2), fmt(cpu / againstCpu, 2)],
      [`RSS growth after warm-up (${fmt(WARMUP_MS / 60_000, 1)} min) → end`, `${fmt(((rssEnd - rssWarm) / rssWarm) * 100)} %`, `${fmt(((againstLast.rssKb - againstWarm.rssKb) / againstWarm.rssKb) * 100)} %`, ''],
      ['edge group CPU over the window (% of one core)', fmt(edgeCpu, 2), fmt(againstEdgeCpu, 2), fmt(edgeCpu / againstEdgeCpu, 2)],
      ['edge group RSS / PSS at end (MB)', `${fmt(mb(last.edge.rssKb))} / ${fmt(mb(last.edge.pssKb))}`, againstEdgeLast === undefined ? 'n/a' : `${fmt(mb(againstEdgeLast.rssKb))} / ${fmt(mb(againstEdgeLast.pssKb))}`, ''],
    );
  }
  const rssMet = rssMax <= TARGET_RSS_MB;
  const cpuMet = cpu <= TARGET_CPU;
  const growthAfterWarm = ((rssEnd - rssWarm) / rssWarm) * 100;
  const growthMet = growthAfterWarm <= TARGET_GROWTH;
  console.log([
    machineLine(),
    `Command: \`npx tsx bench/daemon-footprint.bench.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` · daemon: ${args.cli !== undefined ? `CLI ${args.cli}` : args.at !== undefined ? `CLI compiled from ${args.at}, plain node` : MODE === 'compiled' ? 'compiled CLI (working tree), plain node' : 'under tsx'} · ${String(SERVICES)} services, http ready probe + http live probe every 1 s · ${fmt(windowS / 60, 1)} min window from the moment \`up -d\` returned (${String(upMs)} ms), samples every ${String(INTERVAL_MS / 1000)} s · edge on 127.0.0.1:${String(edgePort)}, routing all ${String(SERVICES)} services`,
    `Sanity at the end: ${String(probed)}/${String(instances.length)} instances running, ready, live-probed within 3 s; ${String(restarts)} restarts; the edge answered HTTP ${String(edgeStatus)} for svc-00.localhost; edge group ${String(last.edge.processes)} processes.`,
    '',
    table(['minute', 'daemon RSS (MB)', 'idle node RSS (MB)', 'daemon above the floor (MB)', 'daemon CPU since start (ms)', 'edge group RSS / PSS (MB)', 'edge group CPU since start (ms)'], minuteRows),
    '',
    table(['measure', 'value', 'target', ''], [
      ['daemon RSS at start (after ready) / end / max', `${fmt(rssStart)} / ${fmt(rssEnd)} / ${fmt(rssMax)} MB`, `≤ ${String(TARGET_RSS_MB)} MB`, rssMet ? 'met' : 'NOT met'],
      ['idle node (floor) RSS at end / max', `${fmt(floorEnd)} / ${fmt(floorMax)} MB`, '', 'baseline'],
      ['daemon RSS above the floor at end', `${fmt(rssEnd - floorEnd)} MB`, '', ''],
      [`daemon CPU over the ${fmt(windowS / 60, 1)} min window (% of one core)`, `${fmt(cpu, 2)} %`, `≤ ${String(TARGET_CPU)} %`, cpuMet ? 'met' : 'NOT met'],
      [`highest ${String(INTERVAL_MS / 1000)} s interval`, `${fmt(Math.max(...cpuPeaks), 2)} %`, '', ''],
      ['RSS growth start → end', `${fmt(growth)} %`, '', ''],
      [`RSS growth after warm-up (minute ${fmt((afterWarmup.at - first.at) / 60_000, 1)}: ${fmt(rssWarm)} MB) → end`, `${fmt(growthAfterWarm)} %`, `≤ ${String(TARGET_GROWTH)} % over 1 h`, `${growthMet ? 'met' : 'NOT met'} over ${fmt(windowS / 60, 1)} min`],
      ['RSS trend after minute 2 (least squares)', `${fmt(trend)} MB/h`, '', ''],
      ['edge group (primary + workers) RSS summed at end / max', `${fmt(mb(last.edge.rssKb))} / ${fmt(edgeRssMax)} MB (PSS ${fmt(mb(last.edge.pssKb))} MB)`, 'not targeted', `${String(last.edge.processes)} processes`],
      ['edge group CPU over the window', `${fmt(edgeCpu, 2)} %`, 'not targeted', ''],
    ]),
    ...(againstRows.length === 0 ? [] : ['', `Against ${args.against ?? ''} in the same run (same services, sampled alongside):`, '', table(['measure', 'this tree', String(args.against), 'ratio'], againstRows)]),
    '',
    `Target P4 (edge on, daemon): RSS ${rssMet ? 'met' : 'NOT met'}, CPU ${cpuMet ? 'met' : 'NOT met'}, growth ${growthMet ? 'met' : 'NOT met'} over ${fmt(windowS / 60, 1)} min (the target is over a 1 h soak). Daemon RSS ÷ Node's floor: ${fmt(rssEnd / floorEnd, 2)}×.`,
  ].join('\n'));
});
