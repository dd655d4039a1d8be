// P6 benchmark: Berth's edge against nginx and Caddy, HTTP/1.1 keep-alive, in the same run, to the same upstream.
// Target: ≥ 0.5× nginx req/s and ≥ 1.0× Caddy; p99 ≤ 3× nginx at half load.
// Run: npx tsx bench/edge.bench.ts [seconds-per-run=10] [rounds=3] [--only http|tls]
// Needs nginx (Debian nginx-light), caddy and wrk on PATH; openssl for the TLS rows. Without --only: the HTTP rows
// (below), then the TLS rows; `--only tls` runs the TLS rows alone (≈ 4 minutes at 10 s × 3).
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
//
// TLS rows (P6 over TLS): one throwaway certificate (bench/support/bench-cert.ts: openssl, a CA and a leaf for
// `localhost`, ECDSA P-256), served by nginx (`listen ... ssl`, `ssl_protocols TLSv1.2 TLSv1.3`, otherwise as the
// HTTP nginx), Caddy (`tls cert key`) and the edge as shipped (`config.https` + `certs`, workers: 1 and 2, access log
// on), the same route to the same upstream. wrk over https://localhost:PORT/ (SNI `localhost`; wrk verifies nothing
// and offers no ALPN, so HTTP/1.1 everywhere), interleaved rounds as above:
// 1. keep-alive, `-c64`: req/s, p99, CPU per request (the handshakes are 64 per run: this is the record layer);
// 2. `-c8` keep-alive: p99 below saturation;
// 3. handshakes: `-c64 -H "Connection: close"`, a new TCP connection and a full handshake per request (wrk keeps no
//    client session cache, so nothing is resumed): req/s and CPU per connection.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { edgeCiphers } from '../src/edge/tls-contexts.js';
import { makeBenchCert, type BenchCert } from './support/bench-cert.js';
import { fmt, machineLine, median, NODE, onCleanup, ROOT, runBench, sleep, table } from './support/harness.js';
import { allocatePort } from '../src/supervisor/allocate-port.js';

const cliArgs = process.argv.slice(2);
const onlyIndex = cliArgs.indexOf('--only');
const only = onlyIndex < 0 ? null : cliArgs[onlyIndex + 1];
if (only !== null && only !== 'http' && only !== 'tls') throw new Error('usage: edge.bench.ts [seconds] [rounds] [--only http|tls]');
const positional = cliArgs.filter((_arg, index) => onlyIndex < 0 || (index !== onlyIndex && index !== onlyIndex + 1));
const seconds = Number(positional[0] ?? 10);
const rounds = Number(positional[1] ?? 3);
const runHttpRows = only !== 'tls';
const runTlsRows = only !== 'http';
/** The name wrk connects to (and sends as SNI): /etc/hosts has it as 127.0.0.1, where everything listens. */
const TLS_HOST = 'localhost';
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


/** GET / on 127.0.0.1:port; `tls`: over HTTPS with SNI TLS_HOST, the certificate checked against the bench CA. */
function getStatus(port: number, tls: BenchCert | null = null): Promise<number> {
  return new Promise((resolve) => {
    const options = { host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000, headers: { host: `${TLS_HOST}:${String(port)}` } };
    const onResponse = (res: IncomingMessage): void => {
      res.resume();
      res.once('end', () => { resolve(res.statusCode ?? 0); });
    };
    const req = tls === null
      ? request(options, onResponse)
      : httpsRequest({ ...options, servername: tls.host, ca: readFileSync(tls.caFile) }, onResponse);
    req.once('error', () => { resolve(0); });
    req.once('timeout', () => { req.destroy(); });
    req.end();
  });
}

/** Waits until GET / on `port` answers 200 with the upstream's body length. */
async function waitForOk(name: string, running: Running, port: number, tls: BenchCert | null = null): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await getStatus(port, tls) === 200) return;
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

/** `tls`: the same proxy, listening with `ssl` on the bench certificate, TLS 1.2 and 1.3, with the edge's cipher list
 * in the server's order (so every contestant negotiates TLS_AES_128_GCM_SHA256 with wrk; nginx's default would take
 * the client's first choice, AES-256), session tickets on and no session cache (nginx's defaults; wrk resumes
 * nothing anyway), and `plainPort` also listened on without TLS (the same server, for the TLS-cost reference row). */
function nginxProxyConf(port: number, upstreamPort: number, tls: { cert: BenchCert; plainPort: number } | null = null): (dir: string) => string {
  const suites = edgeCiphers.split(':');
  const listen = tls === null
    ? `listen 127.0.0.1:${String(port)};`
    : `listen 127.0.0.1:${String(port)} ssl;
    listen 127.0.0.1:${String(tls.plainPort)};
    ssl_certificate ${tls.cert.certFile};
    ssl_certificate_key ${tls.cert.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    ssl_ciphers ${suites.filter((suite) => !suite.startsWith('TLS_')).join(':')};
    ssl_conf_command Ciphersuites ${suites.filter((suite) => suite.startsWith('TLS_')).join(':')};`;
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
    ${listen}
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

/** `tls`: the same site over HTTPS with the bench certificate (`tls cert key`; HTTP/1.1 and 2 only, no HTTP/3). */
function startCaddy(port: number, upstreamPort: number, tls: BenchCert | null = null): Running {
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
\t}${tls === null ? '' : `
\tservers {
\t\tprotocols h1 h2
\t}`}
}
${tls === null ? '' : `https://${tls.host}`}:${String(port)} {
\tbind 127.0.0.1${tls === null ? '' : `
\ttls ${tls.certFile} ${tls.keyFile}`}
\treverse_proxy 127.0.0.1:${String(upstreamPort)}
}
`);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  return startProcess(tls === null ? 'caddy' : 'caddy-tls', 'caddy', ['run', '--config', file, '--adapter', 'caddyfile'], env);
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
async function startEdge(runner: string, port: number, upstreamPort: number, workers: number, profile: { preload: string; dir: string } | null = null, tls: { port: number; cert: BenchCert } | null = null): Promise<EdgeRunning> {
  const dir = mkdtempSync(join(tmpdir(), `berth-bench-edge-process-${String(workers)}-`));
  const logDir = join(dir, 'access');
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  const env = profile === null ? process.env : { ...process.env, BERTH_BENCH_CPU_PROF_DIR: profile.dir };
  const preload = profile === null ? [] : ['--import', profile.preload];
  const tlsArgs = tls === null ? [] : [String(tls.port), tls.cert.certFile, tls.cert.keyFile, tls.cert.host];
  const running = startProcess(`edge-${tls === null ? '' : 'tls-'}${String(workers)}`, NODE, [...preload, runner, String(port), String(upstreamPort), String(workers), logDir, runDir, ...tlsArgs], env);
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

const httpUrl = (port: number): string => `http://127.0.0.1:${String(port)}/`;
const httpsUrl = (port: number): string => `https://${TLS_HOST}:${String(port)}/`;

/** `target`: a port (plain HTTP on 127.0.0.1) or a URL. `close`: `Connection: close` on every request. */
function runWrk(target: number | string, connections: number, durationS: number, script: string | null = null, close = false): Promise<WrkResult> {
  const url = typeof target === 'number' ? httpUrl(target) : target;
  const args = ['-t2', `-c${String(connections)}`, `-d${String(durationS)}s`, '--latency', ...(script === null ? [] : ['-s', script]), ...(close ? ['-H', 'Connection: close'] : []), url];
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

const TLS_NAMES = ['nginx-tls', 'caddy-tls', 'edge-tls-1', 'edge-tls-2'] as const;
type TlsName = (typeof TLS_NAMES)[number];
/** Plain-HTTP reference rows in the TLS run (keep-alive, full load only): the same nginx and edge (workers: 1)
 * processes on their HTTP ports, for what TLS costs each per request. */
type PlainName = 'nginx-plain' | 'edge-plain-1';
const TLS_LABEL: Record<TlsName | PlainName, string> = {
  'nginx-plain': 'nginx, plain HTTP (same process as nginx HTTPS)',
  'edge-plain-1': 'Berth edge, plain HTTP, workers: 1 (same process as the HTTPS one)',
  'nginx-tls': 'nginx, HTTPS',
  'caddy-tls': 'Caddy, HTTPS',
  'edge-tls-1': 'Berth edge as shipped, HTTPS, workers: 1 (primary + 1 worker, access log)',
  'edge-tls-2': "Berth edge as shipped, HTTPS, workers: 2 ('auto' here; primary + 2 workers, access log)",
};
const TLS_SHORT: Record<TlsName, string> = { 'nginx-tls': 'nginx', 'caddy-tls': 'Caddy', 'edge-tls-1': 'edge workers: 1', 'edge-tls-2': 'edge workers: 2' };

interface Measured extends WrkResult {
  /** CPU time of the proxy's processes per request, µs. */
  readonly cpuUs: number;
  /** The edge's primary alone (edge modes; NaN otherwise), µs per request. */
  readonly primaryCpuUs: number;
  /** Peak summed RSS of the group while wrk ran, MB. */
  readonly peakRssMb: number;
}

async function phase<N extends string>(title: string, names: readonly N[], ports: Record<N, number>, groups: Record<N, number>, run: (port: number, name: N) => Promise<WrkResult>): Promise<Record<N, Measured[]>> {
  const results = Object.fromEntries(names.map((name) => [name, [] as Measured[]])) as Record<N, Measured[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const pgid = groups[name];
      const isEdge = name.startsWith('edge-');
      const before = groupCpuSeconds(pgid);
      const primaryBefore = isEdge ? processCpuSeconds(pgid) : Number.NaN;
      let peakRssMb = 0;
      const sampler = setInterval(() => { peakRssMb = Math.max(peakRssMb, groupRss(pgid).mb); }, 250);
      const wrk = await run(ports[name], name);
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

/** What the HTTP and the TLS rows share: the tools' versions, the compiled runners, a work folder, the upstream and
 * its own rate measured alone. */
interface Context {
  readonly versions: readonly string[];
  readonly runners: Runners;
  readonly work: string;
  readonly upstreamPort: number;
  readonly upstreamAlone: readonly WrkResult[];
}

const loadNow = (): number => (loadavg()[0] ?? Number.NaN);

async function httpRows({ versions, runners, work, upstreamPort, upstreamAlone }: Context): Promise<void> {
  const startLoad = loadavg();
  const ports: Record<Name, number> = { nginx: await allocatePort(), caddy: 0, 'berth-1': 0, 'berth-2': 0, 'edge-1': 0, 'edge-2': 0 };
  const nginx = startNginx('nginx', nginxProxyConf(ports.nginx, upstreamPort));
  await waitForOk('nginx', nginx, ports.nginx);
  ports.caddy = await allocatePort();
  const caddy = startCaddy(ports.caddy, upstreamPort);
  await waitForOk('caddy', caddy, ports.caddy);
  ports['berth-1'] = await allocatePort();
  const berth1 = await startBerth(runners.library, ports['berth-1'], upstreamPort, 1);
  ports['berth-2'] = await allocatePort();
  const berth2 = await startBerth(runners.library, ports['berth-2'], upstreamPort, 2);
  ports['edge-1'] = await allocatePort();
  const edge1 = await startEdge(runners.process, ports['edge-1'], upstreamPort, 1);
  ports['edge-2'] = await allocatePort();
  const edge2 = await startEdge(runners.process, ports['edge-2'], upstreamPort, 2);
  const pgid = (running: Running): number => running.child.pid ?? Number.NaN;
  const groups: Record<Name, number> = { nginx: pgid(nginx), caddy: pgid(caddy), 'berth-1': pgid(berth1), 'berth-2': pgid(berth2), 'edge-1': edge1.edgePid, 'edge-2': edge2.edgePid };
  await sleep(1000);
  const idleRss = Object.fromEntries(NAMES.map((name) => [name, groupRss(groups[name])])) as Record<Name, { mb: number; processes: number }>;

  // Warm-up: JIT for Node, connection pools for everyone.
  for (const name of NAMES) await runWrk(ports[name], FULL_CONNECTIONS, Math.min(3, seconds));

  const full = await phase('full load', NAMES, ports, groups, (port) => runWrk(port, FULL_CONNECTIONS, seconds));
  const nginxRps = medianOf(full.nginx, (r) => r.rps);
  const halfRate = nginxRps / 2;
  const meanDelayMs = Math.max(1, Math.round((FULL_CONNECTIONS * 1000) / halfRate));
  const script = pacingScript(work, meanDelayMs);
  const half = await phase(`half load (${String(FULL_CONNECTIONS)} connections, mean pause ${String(meanDelayMs)} ms)`, NAMES, ports, groups, (port) => runWrk(port, FULL_CONNECTIONS, seconds, script));
  const low = await phase(`${String(LOW_CONNECTIONS)} connections`, NAMES, ports, groups, (port) => runWrk(port, LOW_CONNECTIONS, seconds));

  await sleep(2000);
  const idleRssAfter = Object.fromEntries(NAMES.map((name) => [name, groupRss(groups[name])])) as Record<Name, { mb: number; processes: number }>;
  const accessLogs = { 'edge-1': accessLogSummary(edge1.logDir), 'edge-2': accessLogSummary(edge2.logDir) };
  const edgeStderr = [edge1.stderr(), edge2.stderr()].join('').trim();

  // The CPU profile of one Berth process under full load (a separate process; profiling starts after the warm-up).
  const profileFile = join(work, 'edge.cpuprofile');
  const profilePort = await allocatePort();
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
  const shippedPort = await allocatePort();
  const shipped = await startEdge(runners.process, shippedPort, upstreamPort, 1, { preload: runners.cpuProfile, dir: cpuProfDir });
  await runWrk(shippedPort, FULL_CONNECTIONS, Math.min(3, seconds));
  process.kill(-shipped.edgePid, 'SIGUSR2');
  await sleep(200);
  const shippedRun = await runWrk(shippedPort, FULL_CONNECTIONS, seconds);
  await shipped.stop();
  const shippedSummaries = readdirSync(cpuProfDir).filter((name) => name.endsWith('.cpuprofile')).sort().map((name) => ({ role: name.split('-')[0] ?? name, ...summarizeProfile(join(cpuProfDir, name)) }));

  const endLoad = loadavg();
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
}

async function tlsRows({ versions, runners, work, upstreamPort, upstreamAlone }: Context): Promise<void> {
  const startLoad = loadNow();
  const certDir = join(work, 'tls');
  mkdirSync(certDir);
  const cert = makeBenchCert(certDir, TLS_HOST);

  const ports = {
    'nginx-tls': await allocatePort(), 'caddy-tls': await allocatePort(), 'edge-tls-1': await allocatePort(), 'edge-tls-2': await allocatePort(),
    'nginx-plain': await allocatePort(), 'edge-plain-1': await allocatePort(),
  } satisfies Record<TlsName | PlainName, number>;
  const nginx = startNginx('nginx-tls', nginxProxyConf(ports['nginx-tls'], upstreamPort, { cert, plainPort: ports['nginx-plain'] }));
  await waitForOk('nginx (TLS)', nginx, ports['nginx-tls'], cert);
  await waitForOk('nginx (plain HTTP beside TLS)', nginx, ports['nginx-plain']);
  const caddy = startCaddy(ports['caddy-tls'], upstreamPort, cert);
  await waitForOk('caddy (TLS)', caddy, ports['caddy-tls'], cert);
  const edge1 = await startEdge(runners.process, ports['edge-plain-1'], upstreamPort, 1, null, { port: ports['edge-tls-1'], cert });
  await waitForOk('edge workers: 1 (TLS)', edge1, ports['edge-tls-1'], cert);
  await waitForOk('edge workers: 1 (plain HTTP beside TLS)', edge1, ports['edge-plain-1']);
  const edge2 = await startEdge(runners.process, await allocatePort(), upstreamPort, 2, null, { port: ports['edge-tls-2'], cert });
  await waitForOk('edge workers: 2 (TLS)', edge2, ports['edge-tls-2'], cert);
  const pgid = (running: Running): number => running.child.pid ?? Number.NaN;
  const groups: Record<TlsName | PlainName, number> = {
    'nginx-tls': pgid(nginx), 'caddy-tls': pgid(caddy), 'edge-tls-1': edge1.edgePid, 'edge-tls-2': edge2.edgePid,
    'nginx-plain': pgid(nginx), 'edge-plain-1': edge1.edgePid,
  };
  const negotiated = Object.fromEntries(TLS_NAMES.map((name) => [name, negotiatedTls(ports[name], cert)])) as Record<TlsName, string>;
  for (const name of TLS_NAMES) console.error(`bench: ${name}: ${negotiated[name]}`);

  const url = (port: number, name: TlsName | PlainName): string => (name.includes('-plain') ? httpUrl(port) : httpsUrl(port));
  const fullOrder = ['nginx-tls', 'nginx-plain', 'caddy-tls', 'edge-tls-1', 'edge-plain-1', 'edge-tls-2'] as const satisfies readonly (TlsName | PlainName)[];
  for (const name of fullOrder) await runWrk(url(ports[name], name), FULL_CONNECTIONS, Math.min(3, seconds));
  const full = await phase('TLS, keep-alive, full load (and the plain-HTTP references)', fullOrder, ports, groups, (port, name) => runWrk(url(port, name), FULL_CONNECTIONS, seconds));
  const low = await phase(`TLS, keep-alive, ${String(LOW_CONNECTIONS)} connections`, TLS_NAMES, ports, groups, (port) => runWrk(httpsUrl(port), LOW_CONNECTIONS, seconds));
  const handshakeSeconds = Math.max(2, Math.round(seconds / 2));
  const close = await phase(`TLS, Connection: close (a handshake per request), ${String(FULL_CONNECTIONS)} connections`, TLS_NAMES, ports, groups, (port) => runWrk(httpsUrl(port), FULL_CONNECTIONS, handshakeSeconds, null, true));
  const endLoad = loadNow();

  const med = <N extends string>(results: Record<N, Measured[]>, name: N, pick: (r: Measured) => number): number => medianOf(results[name], pick);
  const nginxRps = med(full, 'nginx-tls', (r) => r.rps);
  const caddyRps = med(full, 'caddy-tls', (r) => r.rps);
  const nginxCpu = med(full, 'nginx-tls', (r) => r.cpuUs);
  const errors = (name: TlsName, results: readonly Record<TlsName, Measured[]>[]): string => {
    const all = results.flatMap((r) => r[name]);
    const count = all.reduce((sum, r) => sum + r.errors, 0);
    return count === 0 ? '0' : `${String(count)} (${all.filter((r) => r.errors > 0).map((r) => r.errorText).join('; ')})`;
  };
  const rows = TLS_NAMES.map((name) => {
    const rps = med(full, name, (r) => r.rps);
    return [
      TLS_LABEL[name],
      fmt(rps, 0),
      fmt(rps / nginxRps, 2),
      fmt(rps / caddyRps, 2),
      `${fmt(med(full, name, (r) => r.p99), 2)} ms`,
      `${fmt(med(full, name, (r) => r.cpuUs), 0)} µs (${fmt(med(full, name, (r) => r.cpuUs) / nginxCpu, 1)}×)${name.startsWith('edge-') ? `, primary ${fmt(med(full, name, (r) => r.primaryCpuUs), 1)} µs` : ''}`,
      `${fmt(med(low, name, (r) => r.rps), 0)} req/s, p99 ${fmt(med(low, name, (r) => r.p99), 2)} ms (${fmt(med(low, name, (r) => r.p99) / med(low, 'nginx-tls', (r) => r.p99), 2)}×)`,
      errors(name, [full, low]),
    ];
  });
  const handshakeRows = TLS_NAMES.map((name) => {
    const rps = med(close, name, (r) => r.rps);
    return [
      TLS_LABEL[name],
      fmt(rps, 0),
      fmt(rps / med(close, 'nginx-tls', (r) => r.rps), 2),
      fmt(rps / med(close, 'caddy-tls', (r) => r.rps), 2),
      `${fmt(med(close, name, (r) => r.cpuUs), 0)} µs (${fmt(med(close, name, (r) => r.cpuUs) / med(close, 'nginx-tls', (r) => r.cpuUs), 1)}×)`,
      `${fmt(med(close, name, (r) => r.cpuUs) - med(full, name, (r) => r.cpuUs), 0)} µs`,
      `${fmt(med(close, name, (r) => r.p99), 2)} ms`,
      errors(name, [close]),
    ];
  });

  console.log(`P6 over TLS: edge throughput over HTTPS (${String(rounds)} rounds of ${String(seconds)} s, interleaved, medians; handshake runs ${String(handshakeSeconds)} s)`);
  console.log(machineLine());
  console.log(`Load average (1 min) at the start of the TLS rows ${fmt(startLoad, 2)}. ${versions.join(' · ')} · ${requireTool('openssl', ['version'])} · Node ${process.version} (OpenSSL ${process.versions.openssl})`);
  console.log(`Certificate: ${cert.describe}`);
  console.log(`Upstream (nginx, 1 worker, 100-byte body, plain HTTP) alone: ${fmt(medianOf(upstreamAlone, (r) => r.rps), 0)} req/s`);
  console.log(`Negotiated with an OpenSSL 3 client (openssl s_client, what wrk's OpenSSL offers too): ${TLS_NAMES.map((name) => `${TLS_SHORT[name]}: ${negotiated[name]}`).join('; ')}`);
  console.log('');
  console.log(table(
    ['proxy (HTTPS)', `req/s (c${String(FULL_CONNECTIONS)}, keep-alive)`, '/ nginx', '/ Caddy', `p99 (c${String(FULL_CONNECTIONS)})`, 'CPU / request (/ nginx)', `c${String(LOW_CONNECTIONS)}: rate, p99 (/ nginx)`, 'errors'],
    rows,
  ));
  console.log('');
  console.log(`Full-load req/s run by run: ${fullOrder.map((name) => `${TLS_LABEL[name]}: ${full[name].map((r) => fmt(r.rps, 0)).join(', ')}`).join('; ')}`);
  console.log('');
  console.log('What TLS costs each, keep-alive at full load (the same process on its HTTP port, interleaved in the same rounds):');
  console.log(table(['proxy', 'plain HTTP: req/s, CPU / request', 'HTTPS: req/s, CPU / request', 'HTTPS / HTTP req/s', 'TLS CPU / request'], ([['nginx-plain', 'nginx-tls'], ['edge-plain-1', 'edge-tls-1']] as const).map(([plain, tls]) => [
    TLS_SHORT[tls],
    `${fmt(med(full, plain, (r) => r.rps), 0)}, ${fmt(med(full, plain, (r) => r.cpuUs), 0)} µs`,
    `${fmt(med(full, tls, (r) => r.rps), 0)}, ${fmt(med(full, tls, (r) => r.cpuUs), 0)} µs`,
    fmt(med(full, tls, (r) => r.rps) / med(full, plain, (r) => r.rps), 2),
    `+${fmt(med(full, tls, (r) => r.cpuUs) - med(full, plain, (r) => r.cpuUs), 0)} µs`,
  ])));
  console.log('');
  console.log(`Handshakes: wrk -c${String(FULL_CONNECTIONS)} -H "Connection: close": a new TCP connection and a full TLS handshake per request (no resumption)`);
  console.log(table(['proxy (HTTPS)', 'req/s = handshakes/s', '/ nginx', '/ Caddy', 'CPU / request (/ nginx)', 'CPU / request minus keep-alive', 'p99 (request only, after the handshake)', 'errors'], handshakeRows));
  console.log('');
  for (const [title, names] of [['the edge as shipped', ['edge-tls-1', 'edge-tls-2']]] as const) {
    const bestName = names.reduce<TlsName>((a, b) => (med(full, b, (r) => r.rps) > med(full, a, (r) => r.rps) ? b : a), names[0]);
    const nginxPlainRps = med(full, 'nginx-plain', (r) => r.rps);
    const best = med(full, bestName, (r) => r.rps);
    console.log(`P6 over TLS (${title}, best: ${bestName}): ${fmt(best / nginxRps, 2)}× nginx (target ≥ 0.5: ${best / nginxRps >= 0.5 ? 'met' : 'missed'}), ${fmt(best / caddyRps, 2)}× Caddy (target ≥ 1.0: ${best / caddyRps >= 1 ? 'met' : 'missed'}); the edge over HTTP in the same rounds: ${fmt(med(full, 'edge-plain-1', (r) => r.rps) / nginxPlainRps, 2)}× nginx over HTTP`);
  }
  const accessLogs = { 'edge-tls-1': accessLogSummary(edge1.logDir), 'edge-tls-2': accessLogSummary(edge2.logDir) };
  for (const name of ['edge-tls-1', 'edge-tls-2'] as const) console.log(`${TLS_LABEL[name]}: access log ${accessLogs[name]}`);
  const edgeStderr = [edge1.stderr(), edge2.stderr()].join('').trim();
  if (edgeStderr !== '') console.log(`Edge diagnostics: ${edgeStderr.slice(0, 2000)}`);
  console.log(`Load average (1 min) start ${fmt(startLoad, 2)}, end ${fmt(endLoad, 2)}`);
}

/** `Protocol, cipher, key exchange group` an OpenSSL client gets from 127.0.0.1:port with SNI TLS_HOST. */
function negotiatedTls(port: number, cert: BenchCert): string {
  const result = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${String(port)}`, '-servername', cert.host, '-CAfile', cert.caFile, '-brief'], { input: '', encoding: 'utf8', timeout: 10_000 });
  const text = `${result.stdout}${result.stderr}`;
  const pick = (label: string): string => new RegExp(`^${label}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? '?';
  return `${pick('Protocol version')}, ${pick('Ciphersuite')}, ${pick('(?:Server Temp Key|Negotiated TLS1.3 group|Peer Temp Key)')}, verify ${pick('Verification')}`;
}

await runBench(30 * 60_000, async () => {
  const versions = [requireTool('nginx', ['-v']), `caddy ${requireTool('caddy', ['version'])}`, requireTool('wrk', ['--version'])];
  const runners = compiledRunners();
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-edge-'));
  onCleanup(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const upstreamPort = await allocatePort();
  const upstream = startNginx('upstream', upstreamConf(upstreamPort));
  await waitForOk('upstream nginx', upstream, upstreamPort);
  // The upstream alone: what the proxies are bounded by.
  const upstreamAlone: WrkResult[] = [];
  for (let round = 0; round < rounds; round++) upstreamAlone.push(await runWrk(upstreamPort, FULL_CONNECTIONS, seconds));
  console.error(`bench: upstream alone: ${fmt(medianOf(upstreamAlone, (r) => r.rps), 0)} req/s`);

  const context: Context = { versions, runners, work, upstreamPort, upstreamAlone };
  if (runHttpRows) await httpRows(context);
  if (runHttpRows && runTlsRows) console.log('');
  if (runTlsRows) await tlsRows(context);
});
