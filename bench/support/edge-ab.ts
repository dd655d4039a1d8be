// Same-run before/after for the edge (P6): the edge as shipped (edge-process-runner, access log on) built from each
// given git ref, and nginx as the yardstick, all proxying to one nginx upstream; wrk -c64 keep-alive, every contestant
// once per round (the order reversed every other round), medians of req/s, of the per-round ratio to nginx and of CPU
// per request (user + system time of the contestant's process group from /proc ÷ requests).
//   npx tsx bench/support/edge-ab.ts SECONDS ROUNDS REF... [--workers N]
// REF: a commit (git archive of src/, bench/ and package.json) or `.` for the working tree. Needs nginx and wrk.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median, NODE, onCleanup, ROOT, runBench, sleep } from './harness.js';

const args = process.argv.slice(2);
const workersAt = args.indexOf('--workers');
const workers = workersAt < 0 ? 1 : Number(args[workersAt + 1]);
const positional = args.filter((_arg, index) => workersAt < 0 || (index !== workersAt && index !== workersAt + 1));
const [secondsArg, roundsArg, ...refs] = positional;
const seconds = Number(secondsArg);
const rounds = Number(roundsArg);
if (!Number.isInteger(seconds) || !Number.isInteger(rounds) || refs.length === 0 || !Number.isInteger(workers)) {
  console.error('usage: edge-ab.ts SECONDS ROUNDS REF... [--workers N]');
  process.exit(2);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => { resolve(port); });
    });
  });
}

/** Starts a command in its own process group, stopped (the whole group) at cleanup. */
function startGroup(command: string, argv: readonly string[]): ChildProcess {
  const child = spawn(command, argv, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(async () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // gone already
    }
    await sleep(300);
  });
  return child;
}

function startNginx(body: (dir: string) => string): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'berth-edge-ab-nginx-'));
  chmodSync(dir, 0o755);
  onCleanup(() => { rmSync(dir, { recursive: true, force: true }); });
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${dir}/${kind};`).join(' ');
  writeFileSync(join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 4096; }\nhttp { access_log off; ${temps} keepalive_requests 10000000; keepalive_timeout 75s;\n${body(dir)}\n}\n`);
  return startGroup('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
}

/** Compiles the edge runner of `ref` into node_modules/.cache (so it resolves the project's dependencies). */
function build(ref: string): string {
  const source = mkdtempSync(join(tmpdir(), 'berth-edge-ab-src-'));
  onCleanup(() => { rmSync(source, { recursive: true, force: true }); });
  if (ref === '.') for (const entry of ['src', 'bench', 'package.json']) cpSync(join(ROOT, entry), join(source, entry), { recursive: true });
  else {
    const archive = spawnSync('sh', ['-c', `git archive "${ref}" src bench package.json | tar -x -C "${source}"`], { cwd: ROOT, encoding: 'utf8' });
    if (archive.status !== 0) throw new Error(`git archive ${ref}: ${archive.stderr}`);
  }
  const out = join(ROOT, 'node_modules', '.cache', 'berth-bench', 'edge-ab', ref === '.' ? 'worktree' : ref.replace(/[^\w.-]/g, '_'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const entries = ['bench/support/edge-process-runner.ts', 'src/edge/edge-main.ts'].map((file) => join(source, file));
  spawnSync(NODE, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--ignoreConfig', '--outDir', out, '--rootDir', source, '--module', 'nodenext',
    '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', '--noCheck', '--declaration', 'false', ...entries], { cwd: ROOT, encoding: 'utf8' });
  cpSync(join(source, 'package.json'), join(out, 'package.json'));
  return join(out, 'bench', 'support', 'edge-process-runner.js');
}

function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

function wrk(port: number, durationS: number): { rps: number; requests: number; errors: string } {
  const output = spawnSync('wrk', ['-t2', '-c64', `-d${String(durationS)}s`, `http://127.0.0.1:${String(port)}/`], { encoding: 'utf8' }).stdout;
  const errors = /Socket errors.*|Non-2xx.*/.exec(output)?.[0] ?? '';
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]), requests: Number(/(\d+) requests in/.exec(output)?.[1]), errors };
}

interface Contestant {
  readonly name: string;
  readonly port: number;
  readonly pgid: number;
}

await runBench(60 * 60 * 1000, async () => {
  const runners = refs.map((ref) => ({ ref, runner: build(ref) }));
  const upstreamPort = await freePort();
  startNginx(() => `server { listen 127.0.0.1:${String(upstreamPort)}; location / { default_type text/plain; return 200 "${'x'.repeat(99)}\\n"; } }`).unref();
  const nginxPort = await freePort();
  const nginx = startNginx(() => `upstream app { server 127.0.0.1:${String(upstreamPort)}; keepalive 128; keepalive_requests 10000000; keepalive_timeout 60s; }
server { listen 127.0.0.1:${String(nginxPort)}; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
proxy_set_header Host $http_host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $http_host; } }`);
  const contestants: Contestant[] = [{ name: 'nginx', port: nginxPort, pgid: nginx.pid ?? 0 }];
  for (const { ref, runner } of runners) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'berth-edge-ab-'));
    onCleanup(() => { rmSync(dir, { recursive: true, force: true }); });
    mkdirSync(join(dir, 'run'));
    const child = startGroup(NODE, [runner, String(port), String(upstreamPort), String(workers), join(dir, 'log'), join(dir, 'run')]);
    const pgid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /ready (\d+)/.exec(out);
        if (ready !== null) resolve(Number(ready[1]));
      });
      child.once('exit', () => { reject(new Error(`the edge at ${ref} exited before it was ready`)); });
    });
    contestants.push({ name: ref, port, pgid });
  }
  await sleep(500);
  for (const contestant of contestants) wrk(contestant.port, 2); // warm-up
  const results = new Map(contestants.map((contestant) => [contestant.name, [] as { rps: number; us: number }[]]));
  console.log(`edge-ab: ${String(seconds)} s × ${String(rounds)} rounds, workers: ${String(workers)}, load ${loadavg().map((n) => fmt(n, 2)).join(' ')}`);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contestants : [...contestants].reverse();
    for (const contestant of order) {
      const before = groupCpuSeconds(contestant.pgid);
      const run = wrk(contestant.port, seconds);
      const us = ((groupCpuSeconds(contestant.pgid) - before) / run.requests) * 1e6;
      results.get(contestant.name)?.push({ rps: run.rps, us });
      if (run.errors !== '') console.log(`edge-ab: ${contestant.name}: ${run.errors}`);
    }
    console.log(`round ${String(round + 1)}: ${contestants.map((c) => { const r = results.get(c.name)?.[round]; return `${c.name} ${fmt(r?.rps ?? Number.NaN, 0)} req/s ${fmt(r?.us ?? Number.NaN)} µs`; }).join(' | ')} · load ${fmt(loadavg()[0] ?? Number.NaN, 2)}`);
  }
  const yardstick = results.get('nginx') ?? [];
  const nginxUs = median(yardstick.map((r) => r.us));
  console.log('\n| contestant | req/s | / nginx (median of rounds) | CPU / request | / nginx |\n|---|---|---|---|---|');
  for (const contestant of contestants) {
    const rows = results.get(contestant.name) ?? [];
    const ratio = median(rows.map((r, i) => r.rps / (yardstick[i]?.rps ?? Number.NaN)));
    const us = median(rows.map((r) => r.us));
    console.log(`| ${contestant.name} | ${fmt(median(rows.map((r) => r.rps)), 0)} | ${fmt(ratio, 3)} | ${fmt(us)} µs | ${fmt(us / nginxUs, 2)}× |`);
  }
  console.log(`\nload average at the end ${loadavg().map((n) => fmt(n, 2)).join(' ')}`);
});
