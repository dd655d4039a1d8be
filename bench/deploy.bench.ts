// P7: zero-downtime deploys. 20 consecutive `berth deploy` of an HTTP service behind the edge while a closed-loop load
// generator sends ≥ 300 req/s: target 0 failed requests (non-2xx or socket errors), with each deploy's time.
// Baseline in the same run: the same app, behind the same edge, deployed the same way with the service's strategy set
// to `replace` (`deploy: { strategy: replace }`: the old instance is stopped, then the new one started: what
// `docker compose up` of a changed service and `systemctl restart` do), under the same load: its failed requests and
// downtime per deploy.
//
// Each mode (blue-green, then replace) runs in its own temporary stack folder:
//   edge: { listen: { http: PORT, address: 127.0.0.1 }, workers: 1 }
//   deploy: { verify: 1s }
//   services: web: { command: node app.mjs, http: {}, ready: { http: /health }, routes: [{ host: app.test }] }
// app.mjs (written by this script) answers every request with the content of the VERSION file it read at start, reads
// POST bodies, sets keepAliveTimeout 10 s (above the edge's 4 s upstream idle timeout), and on SIGTERM closes its
// listener and idle connections and exits 0 once the last connection is done. `berth up -d`, then a warm-up, then
// for each round: write VERSION = round (a real app change, so every deploy ships a release), run `berth deploy
// --json` and wait for it, pause `--gap` ms; then `berth down`. The CLI is the one the other benchmarks run:
// src/ compiled by tsc into node_modules/.cache/berth-bench (`compiledCli`), run by plain node, so the daemon and the
// edge run as `bin/berth.js` runs dist/; `--at REF` runs the CLI compiled from git commit REF instead of the
// working tree.
//
// Load: `--workers` (default 12) closed-loop workers in this process, each sending request after request through one
// undici keep-alive Agent to http://127.0.0.1:EDGEPORT/ with Host: app.test; even workers send GET, odd workers POST
// a 64-byte JSON body (a POST is not retried by the edge on a refused connection, a GET is, once), 10 s headers/body
// timeout; `--think MS` pauses each worker that long after every answer (default 0: as fast as the stack answers,
// which saturates this 2-core machine; `--think 30` paces 12 workers to about 350 req/s); `--boot MS` makes the app
// wait that long before it listens (default 0: node's own start-up only, the best case for the baseline). Every request is recorded (sent, done, status or error code, version served). Reported per mode:
// requests, req/s over the run and its lowest 1 s bucket, failed requests (non-2xx by status, socket errors by code,
// by method), per deploy: wall time of `berth deploy` (CLI start to exit), the daemon's own time for it, the switch
// step of the service, when the new version was first served, failed requests, downtime (first failed request sent
// → last failed request done) and the longest span with no 2xx response completing.
// Run: npx tsx bench/deploy.bench.ts [--rounds 20] [--workers 12] [--gap 500] [--warmup 3000] [--think 0] [--boot 0] [--modes blue-green,replace] [--at REF]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { allocatePort } from '../src/supervisor/allocate-port.js';
import { compiledCli, compiledCliAt, fmt, machineLine, makeStackDir, median, NODE, quantile, runBench, sleep, stopDaemonAtCleanup, table } from './support/harness.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    workers: { type: 'string', default: '12' },
    gap: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '3000' },
    think: { type: 'string', default: '0' },
    boot: { type: 'string', default: '0' },
    modes: { type: 'string', default: 'blue-green,replace' },
    at: { type: 'string' },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const WORKERS = Math.max(1, Number(args.workers));
const GAP_MS = Math.max(0, Number(args.gap));
const WARMUP_MS = Math.max(0, Number(args.warmup));
const THINK_MS = Math.max(0, Number(args.think));
const BOOT_MS = Math.max(0, Number(args.boot));
const TARGET_RPS = 300;
const ENV = { PATH: process.env.PATH ?? '' };
const HOST = 'app.test';
const POST_BODY = JSON.stringify({ note: 'x'.repeat(44), n: 1234567 }); // 64 bytes

type Mode = 'blue-green' | 'replace';
const isMode = (value: string): value is Mode => value === 'blue-green' || value === 'replace';
const MODES: Mode[] = args.modes.split(',').map((m) => m.trim()).filter((m) => m !== '').map((m) => {
  if (!isMode(m)) throw new Error(`--modes: unknown mode ${m} (blue-green, replace)`);
  return m;
});

const APP = `// The service deployed by bench/deploy.bench.ts: answers with the VERSION it was started with.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const version = readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();
const server = createServer((req, res) => {
  const answer = (text) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.url === '/health') return answer('ok');
  if (req.method === 'POST') {
    let size = 0;
    req.on('data', (chunk) => { size += chunk.length; });
    req.on('end', () => answer(\`\${version} \${size}\`));
    return;
  }
  req.resume();
  answer(version);
});
server.keepAliveTimeout = 10_000;
// BOOT_MS: how long the app takes to boot before it listens (a real app loads code, connects to its database...).
setTimeout(() => {
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(\`version \${version} listening on \${process.env.PORT}\`));
}, Number(process.env.BOOT_MS ?? 0));
process.on('SIGTERM', () => {
  console.log(\`version \${version}: SIGTERM, closing\`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
});
`;

function stackYaml(mode: Mode, port: number): string {
  const strategy = mode === 'replace' ? ', deploy: { strategy: replace }' : '';
  return `edge: { listen: { http: ${String(port)}, address: 127.0.0.1 }, workers: 1 }
deploy: { verify: 1s }
services:
  web: { command: '${NODE} app.mjs', http: {}, ready: { http: /health }, routes: [{ host: ${HOST} }], env: { BOOT_MS: "${String(BOOT_MS)}" }${strategy} }
`;
}

// ---- the CLI ------------------------------------------------------------------------------------------------

interface CliRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
}

function runCli(cli: string, dir: string, cliArgs: readonly string[]): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(NODE, [cli, ...cliArgs, '--file', join(dir, 'berth.yml')], { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, out, err, ms: performance.now() - started });
    });
  });
}

interface DeployDone {
  readonly type: 'done';
  readonly outcome: string;
  readonly reason: string | null;
  readonly release: string | null;
  readonly ms: number;
  readonly run: { readonly rows: readonly { item: string; result: string; ms: number; detail?: string }[] } | null;
}

// ---- the load generator -------------------------------------------------------------------------------------

interface Sample {
  readonly worker: number;
  readonly method: 'GET' | 'POST';
  readonly sent: number;
  readonly done: number;
  /** HTTP status, or 0 for a socket error. */
  readonly status: number;
  readonly error: string | null;
  readonly version: number | null;
}

const isOk = (s: Sample): boolean => s.status >= 200 && s.status < 300;

function startLoad(port: number): { readonly samples: Sample[]; readonly stop: () => Promise<void> } {
  const samples: Sample[] = [];
  const agent = new Agent({ connections: WORKERS, keepAliveTimeout: 10_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const url = `http://127.0.0.1:${String(port)}/`;
  const state = { stopping: false };
  const worker = async (index: number): Promise<void> => {
    const method = index % 2 === 0 ? 'GET' : 'POST';
    while (!state.stopping) {
      const sent = performance.now();
      try {
        const response = await request(url, method === 'GET'
          ? { method, headers: { host: HOST }, dispatcher: agent }
          : { method, headers: { host: HOST, 'content-type': 'application/json' }, body: POST_BODY, dispatcher: agent });
        const text = await response.body.text();
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        const version = ok ? Number.parseInt(text, 10) : Number.NaN;
        samples.push({ worker: index, method, sent, done: performance.now(), status: response.statusCode, error: ok ? null : text.slice(0, 120).replace(/\s+/g, ' '), version: Number.isFinite(version) ? version : null });
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'error');
        samples.push({ worker: index, method, sent, done: performance.now(), status: 0, error: `${code}: ${error instanceof Error ? error.message : String(error)}`, version: null });
        await sleep(1); // a refused connection fails at once: do not spin
      }
      if (THINK_MS > 0) await sleep(THINK_MS);
    }
  };
  const running = Array.from({ length: WORKERS }, (_, index) => worker(index));
  return {
    samples,
    stop: async () => {
      state.stopping = true;
      await Promise.all(running);
      await agent.close();
    },
  };
}

// ---- one mode -----------------------------------------------------------------------------------------------

interface Round {
  readonly round: number;
  readonly start: number;
  readonly end: number;
  /** Where this round's window ends: the next round's start (or the end of the load). */
  windowEnd: number;
  readonly cliMs: number;
  readonly exitCode: number | null;
  readonly outcome: string;
  readonly reason: string | null;
  readonly daemonMs: number;
  readonly switchMs: number;
  readonly verifyMs: number;
  readonly stderr: string;
}

interface ModeRun {
  readonly mode: Mode;
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly rounds: Round[];
  readonly samples: readonly Sample[];
  readonly rowsOfFirst: string;
}

async function runMode(mode: Mode, cli: string): Promise<ModeRun> {
  const port = await allocatePort();
  const dir = makeStackDir(`p7-${mode}`, stackYaml(mode, port));
  writeFileSync(join(dir, 'app.mjs'), APP);
  writeFileSync(join(dir, 'VERSION'), '0\n');
  const down = stopDaemonAtCleanup(dir);
  try {
    const up = await runCli(cli, dir, ['up', '-d']);
    if (up.code !== 0) throw new Error(`berth up -d exited ${String(up.code)}: ${up.err}${up.out}`);
    const probe = await request(`http://127.0.0.1:${String(port)}/`, { headers: { host: HOST } });
    const first = await probe.body.text();
    if (probe.statusCode !== 200 || first.trim() !== '0') throw new Error(`after up, the edge answered ${String(probe.statusCode)} ${first}`);
    console.error(`${mode}: stack up (edge on 127.0.0.1:${String(port)}), ${String(WORKERS)} workers, warm-up ${String(WARMUP_MS)} ms`);

    const load = startLoad(port);
    const loadStart = performance.now();
    const rounds: Round[] = [];
    let rowsOfFirst = '';
    try {
      await sleep(WARMUP_MS);
      for (let round = 1; round <= ROUNDS; round += 1) {
        writeFileSync(join(dir, 'VERSION'), `${String(round)}\n`);
        const start = performance.now();
        const deploy = await runCli(cli, dir, ['deploy', '--json']);
        const end = performance.now();
        let done: DeployDone | null = null;
        try {
          done = JSON.parse(deploy.out) as DeployDone;
        } catch {
          // reported below as an outcome of 'no result'
        }
        const rows = done?.run?.rows ?? [];
        if (round === 1) rowsOfFirst = rows.map((r) => `${r.item} ${r.result} ${String(r.ms)} ms${r.detail === undefined ? '' : ` (${r.detail})`}`).join('; ');
        const row = (item: string): number => rows.find((r) => r.item === item)?.ms ?? Number.NaN;
        const verifyRow = rows.find((r) => r.item.startsWith('verify'));
        rounds.push({
          round, start, end, windowEnd: Number.NaN, cliMs: deploy.ms, exitCode: deploy.code,
          outcome: done?.type === 'done' ? done.outcome : 'no result', reason: done?.reason ?? null,
          daemonMs: done?.ms ?? Number.NaN, switchMs: row('web'), verifyMs: verifyRow?.ms ?? Number.NaN,
          stderr: `${deploy.err}${done === null ? deploy.out : ''}`.trim(),
        });
        const last = rounds.at(-1);
        const failedNow = load.samples.filter((s) => !isOk(s) && s.done >= start).length;
        console.error(`${mode} round ${String(round)}/${String(ROUNDS)}: deploy ${fmt(deploy.ms, 0)} ms (daemon ${fmt(last?.daemonMs ?? Number.NaN, 0)} ms, switch ${fmt(last?.switchMs ?? Number.NaN, 0)} ms), exit ${String(deploy.code)}, ${last?.outcome ?? ''}; failed requests so far this round: ${String(failedNow)}`);
        if (deploy.code !== 0) console.error(`  deploy output: ${last?.stderr ?? ''}${last?.reason === null ? '' : ` (reason: ${last?.reason ?? ''})`}`);
        await sleep(GAP_MS);
      }
      await sleep(GAP_MS);
    } finally {
      await load.stop();
    }
    const loadEnd = performance.now();
    rounds.forEach((r, i) => {
      r.windowEnd = rounds[i + 1]?.start ?? loadEnd;
    });
    return { mode, loadStart, loadEnd, rounds, samples: load.samples, rowsOfFirst };
  } finally {
    await down();
  }
}

// ---- analysis -----------------------------------------------------------------------------------------------

interface RoundStats {
  readonly round: Round;
  readonly failed: readonly Sample[];
  readonly downtime: number;
  readonly longestGap: number;
  readonly newVersionAt: number;
  readonly requests: number;
  readonly p99: number;
}

function roundStats(run: ModeRun, round: Round): RoundStats {
  const inWindow = run.samples.filter((s) => s.done >= round.start && s.done < round.windowEnd);
  const failed = inWindow.filter((s) => !isOk(s));
  const downtime = failed.length === 0 ? 0 : Math.max(...failed.map((s) => s.done)) - Math.min(...failed.map((s) => s.sent));
  const okTimes = inWindow.filter(isOk).map((s) => s.done).sort((a, b) => a - b);
  const points = [round.start, ...okTimes, round.windowEnd];
  let longestGap = 0;
  for (let i = 1; i < points.length; i += 1) longestGap = Math.max(longestGap, (points[i] ?? 0) - (points[i - 1] ?? 0));
  const firstNew = inWindow.find((s) => isOk(s) && s.version === round.round);
  return {
    round, failed, downtime, longestGap, requests: inWindow.length,
    newVersionAt: firstNew === undefined ? Number.NaN : firstNew.done - round.start,
    p99: quantile(inWindow.map((s) => s.done - s.sent), 0.99),
  };
}

function describeFailure(s: Sample, rounds: readonly Round[]): string {
  const round = rounds.find((r) => s.done >= r.start && s.done < r.windowEnd);
  const where = round === undefined ? 'outside any deploy' : `round ${String(round.round)}, ${fmt(s.sent - round.start, 0)}–${fmt(s.done - round.start, 0)} ms after the deploy started (deploy took ${fmt(round.end - round.start, 0)} ms)`;
  return `${s.method} ${s.status === 0 ? 'socket error' : String(s.status)} ${s.error ?? ''} — ${where}`;
}

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([value, count]) => `${value} ×${String(count)}`).join(', ') || 'none';
}

const dist = (values: readonly number[], digits = 0): string => `${fmt(median(values), digits)} / ${fmt(quantile(values, 0.95), digits)} / ${fmt(Math.max(...values), digits)}`;

interface ModeSummary {
  readonly run: ModeRun;
  /** The warm-up, before the first deploy: what the load looks like with nothing happening. */
  readonly steady: { readonly rps: number; readonly longestGap: number; readonly p99: number; readonly failed: number };
  readonly stats: readonly RoundStats[];
  readonly failed: readonly Sample[];
  readonly rps: number;
  readonly minRps: number;
}

function summarize(run: ModeRun): ModeSummary {
  const seconds = (run.loadEnd - run.loadStart) / 1000;
  const buckets = new Map<number, number>();
  for (const s of run.samples) {
    if (!isOk(s)) continue;
    const bucket = Math.floor((s.done - run.loadStart) / 1000);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  const full = Math.floor(seconds);
  let minRps = Number.POSITIVE_INFINITY;
  for (let b = 0; b < full; b += 1) minRps = Math.min(minRps, buckets.get(b) ?? 0);
  const firstStart = run.rounds[0]?.start ?? run.loadEnd;
  const warm = run.samples.filter((s) => s.done < firstStart);
  const warmOk = warm.filter(isOk).map((s) => s.done).sort((a, b) => a - b);
  let warmGap = 0;
  for (let i = 1; i < warmOk.length; i += 1) warmGap = Math.max(warmGap, (warmOk[i] ?? 0) - (warmOk[i - 1] ?? 0));
  const steady = { rps: warm.length / ((firstStart - run.loadStart) / 1000), longestGap: warmGap, p99: quantile(warm.map((s) => s.done - s.sent), 0.99), failed: warm.filter((s) => !isOk(s)).length };
  return { run, steady, stats: run.rounds.map((r) => roundStats(run, r)), failed: run.samples.filter((s) => !isOk(s)), rps: run.samples.length / seconds, minRps };
}

function report(summaries: readonly ModeSummary[]): void {
  console.log('\n## P7: zero-downtime deploys\n');
  console.log(`${String(ROUNDS)} deploys per mode, ${String(WORKERS)} closed-loop workers (half GET, half POST), think time ${String(THINK_MS)} ms, app boot ${String(BOOT_MS)} ms + node start-up, ${String(GAP_MS)} ms between deploys, deploy.verify 1s, edge workers: 1.\n`);
  console.log(table(
    ['mode', 'requests', 'req/s (whole run)', 'lowest 1 s (2xx/s)', 'failed requests', 'non-2xx', 'socket errors', 'failed GET / POST', 'deploys ok', 'downtime per deploy ms (median / p95 / max)', 'longest no-2xx span ms (median / p95 / max)', 'deploy wall ms (median / p95 / max)', 'daemon ms (median / p95 / max)', 'switch step ms (median / p95 / max)', 'new version first served ms after start (median / max)', 'p99 latency in deploy windows ms (median of rounds / max)'],
    summaries.map(({ run, stats, failed, rps, minRps }) => [
      run.mode, String(run.samples.length), fmt(rps, 0), String(minRps), String(failed.length),
      countBy(failed.filter((s) => s.status !== 0).map((s) => String(s.status))),
      countBy(failed.filter((s) => s.status === 0).map((s) => (s.error ?? '').split(':')[0] ?? '')),
      `${String(failed.filter((s) => s.method === 'GET').length)} / ${String(failed.filter((s) => s.method === 'POST').length)}`,
      `${String(run.rounds.filter((r) => r.exitCode === 0 && r.outcome === 'succeeded').length)}/${String(run.rounds.length)}`,
      dist(stats.map((s) => s.downtime)), dist(stats.map((s) => s.longestGap)),
      dist(run.rounds.map((r) => r.cliMs)), dist(run.rounds.map((r) => r.daemonMs)), dist(run.rounds.map((r) => r.switchMs)),
      `${fmt(median(stats.map((s) => s.newVersionAt)), 0)} / ${fmt(Math.max(...stats.map((s) => s.newVersionAt)), 0)}`,
      `${fmt(median(stats.map((s) => s.p99)), 1)} / ${fmt(Math.max(...stats.map((s) => s.p99)), 1)}`,
    ]),
  ));
  console.log('\nThe same load before the first deploy (the warm-up: nothing but requests):\n');
  console.log(table(['mode', 'req/s', 'failed', 'longest no-2xx span ms', 'p99 latency ms'], summaries.map(({ run, steady }) => [run.mode, fmt(steady.rps, 0), String(steady.failed), fmt(steady.longestGap, 0), fmt(steady.p99, 1)])));
  for (const { run, stats } of summaries) {
    console.log(`\n### ${run.mode}, per deploy\n`);
    console.log(`First deploy's rows: ${run.rowsOfFirst}\n`);
    console.log(table(
      ['round', 'exit', 'outcome', 'deploy wall ms', 'daemon ms', 'switch ms', 'verify ms', 'new version served at ms', 'requests in window', 'failed', 'downtime ms', 'longest no-2xx span ms', 'p99 ms'],
      stats.map((s) => [String(s.round.round), String(s.round.exitCode), s.round.outcome, fmt(s.round.cliMs, 0), fmt(s.round.daemonMs, 0), fmt(s.round.switchMs, 0), fmt(s.round.verifyMs, 0), fmt(s.newVersionAt, 0), String(s.requests), String(s.failed.length), fmt(s.downtime, 0), fmt(s.longestGap, 0), fmt(s.p99, 1)]),
    ));
  }
  for (const { run, failed } of summaries) {
    if (failed.length === 0) continue;
    console.log(`\n${run.mode}: ${String(failed.length)} failed requests${failed.length > 40 ? ' (first 40)' : ''}:`);
    for (const s of failed.slice(0, 40)) console.log(`  ${describeFailure(s, run.rounds)}`);
  }
  const blueGreen = summaries.find((s) => s.run.mode === 'blue-green');
  const replace = summaries.find((s) => s.run.mode === 'replace');
  console.log('');
  if (blueGreen !== undefined) {
    const deploysOk = blueGreen.run.rounds.every((r) => r.exitCode === 0 && r.outcome === 'succeeded');
    const versionsServed = blueGreen.stats.every((s) => Number.isFinite(s.newVersionAt));
    const met = blueGreen.failed.length === 0 && blueGreen.rps >= TARGET_RPS && deploysOk && versionsServed;
    console.log(`Target P7 (0 failed requests over ${String(ROUNDS)} blue-green deploys at ≥ ${String(TARGET_RPS)} req/s): ${met ? 'met' : 'MISSED'} — ${String(blueGreen.failed.length)} failed of ${String(blueGreen.run.samples.length)} at ${fmt(blueGreen.rps, 0)} req/s (lowest 1 s: ${String(blueGreen.minRps)} 2xx/s); deploys succeeded: ${deploysOk ? 'all' : 'NOT all'}; every deploy's version served: ${versionsServed ? 'yes' : 'NO'}.`);
  }
  if (replace !== undefined) {
    const total = replace.stats.reduce((sum, s) => sum + s.downtime, 0);
    console.log(`Baseline (stop-then-start): ${String(replace.failed.length)} failed of ${String(replace.run.samples.length)} at ${fmt(replace.rps, 0)} req/s; downtime per deploy median ${fmt(median(replace.stats.map((s) => s.downtime)), 0)} ms, ${fmt(total / 1000, 1)} s in all; deploys with failures ${String(replace.stats.filter((s) => s.failed.length > 0).length)}/${String(replace.stats.length)}.`);
  }
  console.log(`\n${machineLine()}`);
}

await runBench((ROUNDS * 30_000 + 120_000) * MODES.length + 240_000, async () => {
  const cli = args.at === undefined ? compiledCli() : compiledCliAt(args.at);
  console.error(`CLI: ${cli}`);
  const summaries: ModeSummary[] = [];
  for (const mode of MODES) summaries.push(summarize(await runMode(mode, cli)));
  report(summaries);
});
