// P6 benchmark: Berth's edge against nginx and Caddy, HTTP/1.1 keep-alive, in the same run, to the same upstream.
// Target: ≥ 0.5× nginx req/s and ≥ 1.0× Caddy; p99 ≤ 3× nginx at half load.
// Run: npx tsx bench/edge.bench.ts [seconds-per-run=10] [rounds=3]
// Needs nginx (Debian nginx-light), caddy and wrk on PATH.
//
// Every process listens on 127.0.0.1 on a free port:
// - upstream: nginx, 1 worker, `return 200` with a 100-byte body (measured alone with wrk first);
// - nginx proxy: worker_processes auto, upstream keepalive, proxy_http_version 1.1, access_log off;
// - Caddy: reverse_proxy, logs discarded, admin off (its own defaults otherwise: keep-alive to the upstream);
// - Berth library 1 and 2: bench/support/edge-runner.ts compiled with tsc and run by plain node (no tsx loader), one
//   process, and two workers under node:cluster sharing the port; no access log hook, no rate limit, no auth;
// - Berth edge 1 and 2, the edge as shipped: bench/support/edge-process-runner.ts (compiled the same way) starts the
//   real edge process through startEdgeProcess (cluster primary, SCHED_NONE, `workers: 1` and `workers: 2`, the
//   default 'auto' on 2 cores), access log on (batched over IPC to the primary, written per route, rotated at 10 MB).
// All of them set X-Forwarded-For/-Proto/-Host and pass Host through.
// Phases, each interleaved (every proxy once per round, so a burst of load on the shared machine hits all alike),
// medians over the rounds:
// 1. full load: `wrk -t2 -c64 -d{s}s --latency`: req/s and p99;
// 2. half load: the same 64 connections paced by a wrk Lua `delay()` (uniform 0–2d ms between a response and the next
//    request on a connection) so the offered rate is about half of nginx's full-load req/s; p99 at that rate
//    (wrk2 is not packaged in Debian; see docs/benchmarks.md for what this approximation misses);
// 3. low concurrency: `wrk -t2 -c8`: p99 with 8 connections (the other usual approximation of "half load").
// CPU per request: user + system time of the proxy's whole process group (for the edge: primary + workers) from /proc;
// for the edge also the primary's share alone (what the access log costs it). Memory: summed RSS of the group, idle
// after start, peak under full load (sampled every 250 ms), idle after all phases.
// Then one CPU profile of Berth (library, 1 process, the V8 profiler started after a warm-up) under full load: top
// self times; and one of the edge as shipped (workers: 1, `--cpu-prof` for its worker and primary, whole life).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fmt, machineLine, median, NODE, onCleanup, ROOT, runBench, sleep, table } from './support/harness.js';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const FULL_CONNECTIONS = 64;
const LOW_CONNECTIONS = 8;
const BODY = `${'x'.repeat(99)}\n`;

// ---- processes ----------------------------------------------------------------------------------------------

interface Running {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly stop: () => Promise<void>;
}

/** Starts a command in its own process group; the group is sent SIGTERM at cleanup (SIGKILL 5 s later). */
function startProcess(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => { resolve(); });
  });
  child.once('error', (error) => {
    console.error(`bench: ${name}: ${error.message}`);
  });
  const stop = onCleanup(async () => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) console.error(`bench: ${name} ignored SIGTERM for 5 s; killing it`);
    signalGroup('SIGKILL');
    await exited;
  });
  return { child, stderr: () => stderr, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function getStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.once('end', () => { resolve(res.statusCode ?? 0); });
    });
    req.once('error', () => { resolve(0); });
    req.once('timeout', () => { req.destroy(); });
    req.end();
  });
}

/** Waits until GET / on `port` answers 200 with the upstream's body length. */
async function waitForOk(name: string, running: Running, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await getStatus(port) === 200) return;
    if (running.child.exitCode !== null) throw new Error(`${name} exited (${String(running.child.exitCode)}): ${running.stderr()}`);
    if (Date.now() > deadline) throw new Error(`${name} does not answer 200 on port ${String(port)}: ${running.stderr()}`);
    await sleep(50);
  }
}

function requireTool(tool: string, args: readonly string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`${tool} is not installed (apt-get install nginx-light caddy wrk)`);
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '';
}

// ---- the contestants ----------------------------------------------------------------------------------------

function nginxBase(dir: string, workers: string): string {
  return [
    `worker_processes ${workers};`,
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
  ].join('\n');
}

function nginxTemp(dir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(dir, `${kind}-temp`)};`).join('\n  ');
}

function startNginx(name: string, conf: (dir: string) => string): Running {
  const dir = mkdtempSync(join(tmpdir(), `berth-bench-edge-${name}-`));
  onCleanup(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  chmodSync(dir, 0o755); // nginx's workers run as nobody when started as root
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf(dir));
  return startProcess(name, 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', file, '-g', 'daemon off;']);
}

// The upstream: a fixed 100-byte body, one worker (it shares the 2 cores with the proxy and wrk).
function upstreamConf(port: number): (dir: string) => string {
  return (dir) => `${nginxBase(dir, '1')}
http {
  access_log off;
  ${nginxTemp(dir)}
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:${String(port)};
    location / { default_type text/plain; return 200 "${BODY.trimEnd()}\\n"; }
  }
}
`;
}

function nginxProxyConf(port: number, upstreamPort: number): (dir: string) => string {
  return (dir) => `${nginxBase(dir, 'auto')}
http {
  access_log off;
  ${nginxTemp(dir)}
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  upstream app {
    server 127.0.0.1:${String(upstreamPort)};
    keepalive 128;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${String(port)};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`;
}

function startCaddy(port: number, upstreamPort: number): Running {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-edge-caddy-'));
  onCleanup(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, `{
\tadmin off
\tauto_https off
\tlog {
\t\toutput discard
\t}
}
:${String(port)} {
\tbind 127.0.0.1
\treverse_proxy 127.0.0.1:${String(upstreamPort)}
}
`);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  return startProcess('caddy', 'caddy', ['run', '--config', file, '--adapter', 'caddyfile'], env);
}

// Berth's runners, compiled (with the src modules they import, and the edge process's entry src/edge/edge-main.ts,
// which start-edge-process.ts spawns by path) into node_modules/.cache so the output resolves the project's
// dependencies; rebuilt when src/ or bench/support changed.
interface Runners {
  /** bench/support/edge-runner.js: the library server alone. */
  readonly library: string;
  /** bench/support/edge-process-runner.js: the edge process as shipped. */
  readonly process: string;
  /** bench/support/edge-cpu-profile.js: the profiler preload for the edge process. */
  readonly cpuProfile: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function compiledRunners(): Runners {
  const out = join(ROOT, 'node_modules', '.cache', 'berth-bench', 'edge');
  const runners: Runners = {
    library: join(out, 'bench', 'support', 'edge-runner.js'),
    process: join(out, 'bench', 'support', 'edge-process-runner.js'),
    cpuProfile: join(out, 'bench', 'support', 'edge-cpu-profile.js'),
  };
  const entries = [
    join(ROOT, 'bench', 'support', 'edge-runner.ts'),
    join(ROOT, 'bench', 'support', 'edge-process-runner.ts'),
    join(ROOT, 'bench', 'support', 'edge-cpu-profile.ts'),
    join(ROOT, 'src', 'edge', 'edge-main.ts'),
  ];
  const stamp = String(Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'bench', 'support'))));
  const stampFile = join(out, 'stamp');
  const edgeMain = join(out, 'src', 'edge', 'edge-main.js');
  if ([runners.library, runners.process, runners.cpuProfile, edgeMain, stampFile].every((file) => existsSync(file)) && readFileSync(stampFile, 'utf8') === stamp) return runners;
  console.error('bench: compiling the edge runners, src/edge/edge-main.ts and what they import (tsc --noCheck) ...');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(NODE, [
    tsc, '--ignoreConfig', '--outDir', out, '--rootDir', ROOT, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--types', 'node', '--skipLibCheck', '--noCheck', '--declaration', 'false', '--sourceMap', 'false', ...entries,
  ], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  for (const file of [runners.library, runners.process, runners.cpuProfile, edgeMain]) {
    if (!existsSync(file)) throw new Error(`tsc did not produce ${file}: ${result.stdout}${result.stderr}`);
  }
  writeFileSync(stampFile, stamp);
  return runners;
}

/** Reads the child's stdout until a line starting with `ready`; resolves with the rest of that line. */
function waitForReady(name: string, running: Running): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    running.child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^ready(.*)\n/m.exec(out);
      if (line !== null) resolve((line[1] ?? '').trim());
    });
    running.child.once('exit', (code) => {
      reject(new Error(`${name} exited (${String(code)}): ${running.stderr()}`));
    });
  });
}

async function startBerth(runner: string, port: number, upstreamPort: number, workers: number, profileFile: string | null = null): Promise<Running> {
  const env = profileFile === null ? process.env : { ...process.env, BERTH_EDGE_PROFILE: profileFile };
  const running = startProcess(`berth-${String(workers)}`, NODE, [runner, String(port), String(upstreamPort), String(workers)], env);
  await waitForReady(`edge runner (${String(workers)})`, running);
  return running;
}

interface EdgeRunning extends Running {
  /** The edge's primary: the leader of its own process group (primary + workers). */
  readonly edgePid: number;
  readonly logDir: string;
}

/** The edge as shipped (startEdgeProcess), `workers` workers, access logs in a temporary folder. `profile`: preload
 * edge-cpu-profile.js into the edge's processes (SIGUSR2 to the group starts the profiler; written when they exit). */
async function startEdge(runner: string, port: number, upstreamPort: number, workers: number, profile: { preload: string; dir: string } | null = null): Promise<EdgeRunning> {
  const dir = mkdtempSync(join(tmpdir(), `berth-bench-edge-process-${String(workers)}-`));
  const logDir = join(dir, 'access');
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  const env = profile === null ? process.env : { ...process.env, BERTH_BENCH_CPU_PROF_DIR: profile.dir };
  const preload = profile === null ? [] : ['--import', profile.preload];
  const running = startProcess(`edge-${String(workers)}`, NODE, [...preload, runner, String(port), String(upstreamPort), String(workers), logDir, runDir], env);
  const edgePid = Number(await waitForReady(`edge process (${String(workers)} workers)`, running));
  // Registered after the runner's cleanup, so it runs first: the edge is in its own process group, which the
  // runner stops on SIGTERM; this is the backstop when the runner cannot.
  onCleanup(async () => {
    await running.stop();
    try {
      process.kill(-edgePid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { ...running, edgePid, logDir };
}

/** Access log files and their total size. */
function accessLogSummary(logDir: string): string {
  if (!existsSync(logDir)) return 'no access log folder';
  const files = readdirSync(logDir);
  const bytes = files.reduce((sum, name) => sum + statSync(join(logDir, name)).size, 0);
  return `${String(files.length)} files (${files.sort().join(', ')}), ${fmt(bytes / 1024 / 1024, 1)} MB`;
}

// ---- wrk ----------------------------------------------------------------------------------------------------

interface WrkResult {
  readonly rps: number;
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  /** Non-2xx responses plus socket errors. */
  readonly errors: number;
  /** wrk's `Socket errors` and `Non-2xx` lines, when any. */
  readonly errorText: string;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  if (rps?.[1] === undefined || p50?.[1] === undefined || p99?.[1] === undefined) throw new Error(`cannot read wrk's output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  const errorText = [socketErrors > 0 ? (socket?.[0] ?? '') : '', non2xx > 0 ? `Non-2xx: ${String(non2xx)}` : ''].filter((t) => t !== '').join('; ');
  return { rps: Number(rps[1]), requests, errorText, p50: toMs(p50[1], p50[2] ?? 'ms'), p99: toMs(p99[1], p99[2] ?? 'ms'), errors: non2xx + socketErrors };
}

function runWrk(port: number, connections: number, durationS: number, script: string | null = null): Promise<WrkResult> {
  const args = ['-t2', `-c${String(connections)}`, `-d${String(durationS)}s`, '--latency', ...(script === null ? [] : ['-s', script]), `http://127.0.0.1:${String(port)}/`];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => {
      try {
        resolve(parseWrk(output));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

/** A wrk script pacing each connection: a uniform 0–2d ms pause (mean d) between a response and the next request. */
function pacingScript(dir: string, meanDelayMs: number): string {
  const file = join(dir, `pace-${String(meanDelayMs)}.lua`);
  writeFileSync(file, `local d = ${String(meanDelayMs)}
local seeded = false
function delay()
  if not seeded then math.randomseed(os.time() + math.floor(os.clock() * 1000000)); seeded = true end
  return math.random(0, 2 * d)
end
`);
  return file;
}

// ---- CPU time per request -----------------------------------------------------------------------------------

/** User + system CPU seconds of every live process in process group `pgid` (nginx's master and workers, the
 * cluster's primary and workers), from /proc: a measure that holds up better than req/s on a shared machine. */
function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** User + system CPU seconds of one process. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Summed RSS (MB) and count of the live processes of process group `pgid`. Shared pages (the node binary, V8's
 * read-only space) count once per process: the sum overstates what the group costs the machine somewhat. */
function groupRss(pgid: number): { mb: number; processes: number } {
  let bytes = 0;
  let processes = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      const statm = readFileSync(`/proc/${entry}/statm`, 'utf8').split(' ');
      bytes += Number(statm[1]) * 4096;
      processes++;
    } catch {
      continue;
    }
  }
  return { mb: bytes / 1024 / 1024, processes };
}

// ---- the CPU profile ----------------------------------------------------------------------------------------

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function where(url: string): string {
  if (url === '') return '';
  if (url.startsWith('node:')) return url;
  const undici = url.indexOf('/undici/');
  if (undici >= 0) return `undici/${url.slice(undici + '/undici/'.length)}`;
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return basename(url);
}

function group(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? url.replace(/^node:internal\/([^/]+).*$/, 'node:internal/$1') : url;
  if (url.includes('/undici/')) return 'undici';
  if (url.includes('/src/edge/')) return 'src/edge';
  return 'other';
}

function summarizeProfile(file: string): { top: string[][]; groups: string[][] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  const groupUs = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    total += delta;
    const key = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${frame.url === '' ? '' : ` ${where(frame.url)}:${String(frame.lineNumber + 1)}`}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    const g = group(frame.url, frame.functionName);
    groupUs.set(g, (groupUs.get(g) ?? 0) + delta);
  });
  const pct = (us: number): string => `${fmt((100 * us) / total)} %`;
  const sorted = (map: Map<string, number>, n: number): string[][] => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, us]) => [`\`${key}\``, pct(us)]);
  return { top: sorted(selfUs, 20), groups: sorted(groupUs, 14) };
}

// ---- the run ------------------------------------------------------------------------------------------------

const NAMES = ['nginx', 'caddy', 'berth-1', 'berth-2', 'edge-1', 'edge-2'] as const;
type Name = (typeof NAMES)[number];
const LABEL: Record<Name, string> = {
  nginx: 'nginx',
  caddy: 'Caddy',
  'berth-1': 'Berth library, 1 process, no access log',
  'berth-2': 'Berth library, 2 processes (cluster), no access log',
  'edge-1': 'Berth edge as shipped, workers: 1 (primary + 1 worker, access log)',
  'edge-2': "Berth edge as shipped, workers: 2 ('auto' here; primary + 2 workers, access log)",
};
const emptyByName = <T>(): Record<Name, T[]> => ({ nginx: [], caddy: [], 'berth-1': [], 'berth-2': [], 'edge-1': [], 'edge-2': [] });

interface Measured extends WrkResult {
  /** CPU time of the proxy's processes per request, µs. */
  readonly cpuUs: number;
  /** The edge's primary alone (edge modes; NaN otherwise), µs per request. */
  readonly primaryCpuUs: number;
  /** Peak summed RSS of the group while wrk ran, MB. */
  readonly peakRssMb: number;
}

async function phase(title: string, ports: Record<Name, number>, groups: Record<Name, number>, run: (port: number) => Promise<WrkResult>): Promise<Record<Name, Measured[]>> {
  const results = emptyByName<Measured>();
  for (let round = 0; round < rounds; round++) {
    for (const name of NAMES) {
      const pgid = groups[name];
      const isEdge = name.startsWith('edge-');
      const before = groupCpuSeconds(pgid);
      const primaryBefore = isEdge ? processCpuSeconds(pgid) : Number.NaN;
      let peakRssMb = 0;
      const sampler = setInterval(() => { peakRssMb = Math.max(peakRssMb, groupRss(pgid).mb); }, 250);
      const wrk = await run(ports[name]);
      clearInterval(sampler);
      const result = {
        ...wrk,
        cpuUs: ((groupCpuSeconds(pgid) - before) * 1e6) / wrk.requests,
        primaryCpuUs: ((processCpuSeconds(pgid) - primaryBefore) * 1e6) / wrk.requests,
        peakRssMb,
      };
      results[name].push(result);
      console.error(`bench: ${title}, round ${String(round + 1)}: ${name} ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms, ${fmt(result.cpuUs, 0)} µs CPU/request${isEdge ? ` (primary ${fmt(result.primaryCpuUs, 1)} µs)` : ''}, peak RSS ${fmt(peakRssMb, 1)} MB${result.errors > 0 ? `, errors: ${result.errorText}` : ''}`);
    }
  }
  return results;
}

const medianOf = <T extends WrkResult>(results: readonly T[], pick: (r: T) => number): number => median(results.map(pick));

await runBench(30 * 60_000, async () => {
  const versions = [requireTool('nginx', ['-v']), `caddy ${requireTool('caddy', ['version'])}`, requireTool('wrk', ['--version'])];
  const startLoad = (await import('node:os')).loadavg();
  const runners = compiledRunners();
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-edge-'));
  onCleanup(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const upstreamPort = await freePort();
  const upstream = startNginx('upstream', upstreamConf(upstreamPort));
  await waitForOk('upstream nginx', upstream, upstreamPort);

  const ports: Record<Name, number> = { nginx: await freePort(), caddy: 0, 'berth-1': 0, 'berth-2': 0, 'edge-1': 0, 'edge-2': 0 };
  const nginx = startNginx('nginx', nginxProxyConf(ports.nginx, upstreamPort));
  await waitForOk('nginx', nginx, ports.nginx);
  ports.caddy = await freePort();
  const caddy = startCaddy(ports.caddy, upstreamPort);
  await waitForOk('caddy', caddy, ports.caddy);
  ports['berth-1'] = await freePort();
  const berth1 = await startBerth(runners.library, ports['berth-1'], upstreamPort, 1);
  ports['berth-2'] = await freePort();
  const berth2 = await startBerth(runners.library, ports['berth-2'], upstreamPort, 2);
  ports['edge-1'] = await freePort();
  const edge1 = await startEdge(runners.process, ports['edge-1'], upstreamPort, 1);
  ports['edge-2'] = await freePort();
  const edge2 = await startEdge(runners.process, ports['edge-2'], upstreamPort, 2);
  const pgid = (running: Running): number => running.child.pid ?? Number.NaN;
  const groups: Record<Name, number> = { nginx: pgid(nginx), caddy: pgid(caddy), 'berth-1': pgid(berth1), 'berth-2': pgid(berth2), 'edge-1': edge1.edgePid, 'edge-2': edge2.edgePid };
  await sleep(1000);
  const idleRss = Object.fromEntries(NAMES.map((name) => [name, groupRss(groups[name])])) as Record<Name, { mb: number; processes: number }>;

  // The upstream alone: what the proxies are bounded by.
  const upstreamAlone: WrkResult[] = [];
  for (let round = 0; round < rounds; round++) upstreamAlone.push(await runWrk(upstreamPort, FULL_CONNECTIONS, seconds));
  console.error(`bench: upstream alone: ${fmt(medianOf(upstreamAlone, (r) => r.rps), 0)} req/s`);
  // Warm-up: JIT for Node, connection pools for everyone.
  for (const name of NAMES) await runWrk(ports[name], FULL_CONNECTIONS, Math.min(3, seconds));

  const full = await phase('full load', ports, groups, (port) => runWrk(port, FULL_CONNECTIONS, seconds));
  const nginxRps = medianOf(full.nginx, (r) => r.rps);
  const halfRate = nginxRps / 2;
  const meanDelayMs = Math.max(1, Math.round((FULL_CONNECTIONS * 1000) / halfRate));
  const script = pacingScript(work, meanDelayMs);
  const half = await phase(`half load (${String(FULL_CONNECTIONS)} connections, mean pause ${String(meanDelayMs)} ms)`, ports, groups, (port) => runWrk(port, FULL_CONNECTIONS, seconds, script));
  const low = await phase(`${String(LOW_CONNECTIONS)} connections`, ports, groups, (port) => runWrk(port, LOW_CONNECTIONS, seconds));

  await sleep(2000);
  const idleRssAfter = Object.fromEntries(NAMES.map((name) => [name, groupRss(groups[name])])) as Record<Name, { mb: number; processes: number }>;
  const accessLogs = { 'edge-1': accessLogSummary(edge1.logDir), 'edge-2': accessLogSummary(edge2.logDir) };
  const edgeStderr = [edge1.stderr(), edge2.stderr()].join('').trim();

  // The CPU profile of one Berth process under full load (a separate process; profiling starts after the warm-up).
  const profileFile = join(work, 'edge.cpuprofile');
  const profilePort = await freePort();
  const profiled = await startBerth(runners.library, profilePort, upstreamPort, 1, profileFile);
  await runWrk(profilePort, FULL_CONNECTIONS, Math.min(3, seconds));
  if (profiled.child.pid !== undefined) process.kill(profiled.child.pid, 'SIGUSR2');
  await sleep(200);
  const profiledRun = await runWrk(profilePort, FULL_CONNECTIONS, seconds);
  await profiled.stop();
  const summary = existsSync(profileFile) ? summarizeProfile(profileFile) : null;

  // The edge as shipped (workers: 1) profiled: its worker and its primary, the profiler started after a warm-up.
  const cpuProfDir = join(work, 'edge-cpu-prof');
  mkdirSync(cpuProfDir);
  const shippedPort = await freePort();
  const shipped = await startEdge(runners.process, shippedPort, upstreamPort, 1, { preload: runners.cpuProfile, dir: cpuProfDir });
  await runWrk(shippedPort, FULL_CONNECTIONS, Math.min(3, seconds));
  process.kill(-shipped.edgePid, 'SIGUSR2');
  await sleep(200);
  const shippedRun = await runWrk(shippedPort, FULL_CONNECTIONS, seconds);
  await shipped.stop();
  const shippedSummaries = readdirSync(cpuProfDir).filter((name) => name.endsWith('.cpuprofile')).sort().map((name) => ({ role: name.split('-')[0] ?? name, ...summarizeProfile(join(cpuProfDir, name)) }));

  const endLoad = (await import('node:os')).loadavg();
  const med = (results: Record<Name, Measured[]>, name: Name, pick: (r: Measured) => number): number => medianOf(results[name], pick);
  const rows = NAMES.map((name) => {
    const rps = med(full, name, (r) => r.rps);
    return [
      LABEL[name],
      fmt(rps, 0),
      fmt(rps / nginxRps, 2),
      fmt(rps / med(full, 'caddy', (r) => r.rps), 2),
      `${fmt(med(full, name, (r) => r.p99), 2)} ms`,
      `${fmt(med(full, name, (r) => r.cpuUs), 0)} µs (${fmt(med(full, name, (r) => r.cpuUs) / med(full, 'nginx', (r) => r.cpuUs), 1)}×)`,
      `${fmt(med(half, name, (r) => r.rps), 0)} req/s, p99 ${fmt(med(half, name, (r) => r.p99), 2)} ms (${fmt(med(half, name, (r) => r.p99) / med(half, 'nginx', (r) => r.p99), 2)}×)`,
      `${fmt(med(low, name, (r) => r.rps), 0)} req/s, p99 ${fmt(med(low, name, (r) => r.p99), 2)} ms (${fmt(med(low, name, (r) => r.p99) / med(low, 'nginx', (r) => r.p99), 2)}×)`,
      String([...full[name], ...half[name], ...low[name]].reduce((sum, r) => sum + r.errors, 0)),
    ];
  });
  const runByRun = NAMES.map((name) => `${LABEL[name]}: ${full[name].map((r) => fmt(r.rps, 0)).join(', ')}`).join('; ');
  const memoryRows = NAMES.map((name) => [
    LABEL[name],
    String(idleRss[name].processes),
    `${fmt(idleRss[name].mb, 1)} MB`,
    `${fmt(Math.max(...full[name].map((r) => r.peakRssMb)), 1)} MB`,
    `${fmt(idleRssAfter[name].mb, 1)} MB`,
  ]);

  console.log(`P6: edge throughput (${String(rounds)} rounds of ${String(seconds)} s, interleaved, medians)`);
  console.log(machineLine());
  console.log(`Load average at the start ${fmt(startLoad[0] ?? Number.NaN, 2)} (1 min). ${versions.join(' · ')}`);
  console.log(`Upstream (nginx, 1 worker, 100-byte body) alone: ${fmt(medianOf(upstreamAlone, (r) => r.rps), 0)} req/s, p99 ${fmt(medianOf(upstreamAlone, (r) => r.p99), 2)} ms`);
  console.log(`Half load: ${String(FULL_CONNECTIONS)} connections, mean pause ${String(meanDelayMs)} ms, offered ≈ ${fmt((FULL_CONNECTIONS * 1000) / meanDelayMs, 0)} req/s (half of nginx's ${fmt(nginxRps, 0)})`);
  console.log('');
  console.log(table(
    ['proxy', `req/s (c${String(FULL_CONNECTIONS)})`, '/ nginx', '/ Caddy', `p99 (c${String(FULL_CONNECTIONS)})`, 'CPU / request (/ nginx)', 'half load (paced): rate, p99 (/ nginx)', `c${String(LOW_CONNECTIONS)}: rate, p99 (/ nginx)`, 'errors'],
    rows,
  ));
  console.log('');
  console.log(`Full-load req/s run by run: ${runByRun}`);
  for (const name of ['edge-1', 'edge-2'] as const) {
    console.log(`${LABEL[name]}: primary CPU ${fmt(med(full, name, (r) => r.primaryCpuUs), 1)} µs/request at full load (of ${fmt(med(full, name, (r) => r.cpuUs), 0)}); access log: ${accessLogs[name]}`);
  }
  if (/dropped|lost/.test(edgeStderr)) console.log(`Edge diagnostics: ${edgeStderr.slice(0, 2000)}`);
  console.log('');
  console.log('Memory: summed RSS of the process group (shared pages counted once per process)');
  console.log(table(['proxy', 'processes', 'idle after start', `peak under full load (c${String(FULL_CONNECTIONS)})`, 'idle after the runs'], memoryRows));
  console.log('');
  const caddyRps = med(full, 'caddy', (r) => r.rps);
  const verdict = (title: string, names: readonly Name[]): void => {
    const bestName = names.reduce((a, b) => (med(full, b, (r) => r.rps) > med(full, a, (r) => r.rps) ? b : a));
    const best = med(full, bestName, (r) => r.rps);
    const halfP99 = Math.min(...names.map((name) => med(half, name, (r) => r.p99))) / med(half, 'nginx', (r) => r.p99);
    console.log(`P6 (${title}, best: ${bestName}): ${fmt(best / nginxRps, 2)}× nginx (target ≥ 0.5: ${best / nginxRps >= 0.5 ? 'met' : 'missed'}), ${fmt(best / caddyRps, 2)}× Caddy (target ≥ 1.0: ${best / caddyRps >= 1 ? 'met' : 'missed'}), half-load p99 ${fmt(halfP99, 2)}× nginx (target ≤ 3: ${halfP99 <= 3 ? 'met' : 'missed'})`);
  };
  verdict('the edge as shipped', ['edge-1', 'edge-2']);
  verdict('library server, no access log', ['berth-1', 'berth-2']);
  console.log(`Access log + process cost at workers: 1: edge-1 / library 1 process = ${fmt(med(full, 'edge-1', (r) => r.rps) / med(full, 'berth-1', (r) => r.rps), 2)}× req/s, ${fmt(med(full, 'edge-1', (r) => r.cpuUs) / med(full, 'berth-1', (r) => r.cpuUs), 2)}× CPU/request`);
  console.log(`Load average (1 min) start ${fmt(startLoad[0] ?? Number.NaN, 2)}, end ${fmt(endLoad[0] ?? Number.NaN, 2)}`);
  if (summary !== null) {
    console.log('');
    console.log(`CPU profile of Berth (library, 1 process, V8 profiler from the inspector after warm-up, ${fmt(profiledRun.rps, 0)} req/s while profiled): self time by function`);
    console.log(table(['function', 'self'], summary.top));
    console.log('');
    console.log(table(['where', 'self'], summary.groups));
  }
  for (const profile of shippedSummaries) {
    console.log('');
    console.log(`CPU profile of the edge as shipped, workers: 1, its ${profile.role} (V8 profiler after warm-up, ${fmt(shippedRun.rps, 0)} req/s while profiled): self time by function`);
    console.log(table(['function', 'self'], profile.top));
    console.log('');
    console.log(table(['where', 'self'], profile.groups));
  }
});
