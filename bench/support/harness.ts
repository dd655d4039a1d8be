// Shared by the supervisor benchmarks (P2–P4): temporary stacks, cleanup on every way out (error, signal, time
// limit), the fixture's trace, statistics, the machine line, and a compiled copy of the CLI (what `berth` runs in
// production: plain node, no tsx loader).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { getStatePaths } from '../../src/daemon/state-paths.js';
import { reapLeftovers } from '../../src/exec/process-records.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURE = join(ROOT, 'test', 'fixtures', 'service.mjs');
export const NODE = process.execPath;

// ---- cleanup ------------------------------------------------------------------------------------------------

type Cleanup = () => unknown;
const cleanups: Cleanup[] = [];

/** Registers a cleanup; they run last-registered first. Returns a function that runs it now and unregisters it. */
export function onCleanup(cleanup: Cleanup): () => Promise<void> {
  cleanups.push(cleanup);
  return async () => {
    const index = cleanups.lastIndexOf(cleanup);
    if (index < 0) return;
    cleanups.splice(index, 1);
    await cleanup();
  };
}

async function runCleanups(): Promise<void> {
  for (let cleanup = cleanups.pop(); cleanup !== undefined; cleanup = cleanups.pop()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`bench: cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Runs a benchmark: cleanups run on success, on error, on SIGINT/SIGTERM/SIGHUP and when `limitMs` passes.
 * Exit code 0 whether or not the target is met; 1 only when the benchmark itself failed.
 */
export async function runBench(limitMs: number, body: () => Promise<void>): Promise<void> {
  const state = { aborting: false };
  const abort = (reason: string): void => {
    if (state.aborting) return;
    state.aborting = true;
    console.error(`bench: stopping (${reason}); cleaning up`);
    void runCleanups().finally(() => process.exit(1));
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.once(signal, () => {
    abort(signal);
  });
  const limit = setTimeout(() => {
    abort(`time limit of ${String(Math.round(limitMs / 1000))} s reached`);
  }, limitMs);
  limit.unref();
  try {
    await body();
  } catch (error) {
    console.error(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    if (!state.aborting) {
      clearTimeout(limit);
      await runCleanups();
    }
  }
}

// ---- temporary stacks and daemons ---------------------------------------------------------------------------

/** A fresh folder holding `berth.yml`; removed at cleanup. */
export function makeStackDir(prefix: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-bench-${prefix}-`));
  onCleanup(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'berth.yml'), yaml);
  return dir;
}

export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
}

/** An io for running the CLI in-process, recording its output. */
export function captureIo(cwd: string, env: Readonly<Record<string, string>> = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), cwd, env, isTty: false, out: () => stdout.join('\n'), err: () => stderr.join('\n') };
}

/** The pid of the daemon running the stack in `dir`, from its daemon.json, or null. */
export function daemonPid(dir: string): number | null {
  try {
    const { pid } = JSON.parse(readFileSync(join(getStatePaths(join(dir, 'berth.yml')).stateDir, 'daemon.json'), 'utf8')) as { pid: number };
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `berth down` for the stack in `dir`; if the daemon does not answer within 20 s, SIGKILL it and reap its groups. */
export async function stopDaemon(dir: string): Promise<void> {
  const pid = daemonPid(dir);
  const down = main(['down'], captureIo(dir, { PATH: process.env.PATH ?? '' }));
  const timedOut = await Promise.race([down.then(() => false), sleep(20_000).then(() => true)]);
  if (pid !== null) {
    const deadline = Date.now() + 3000;
    while (alive(pid) && Date.now() < deadline) await sleep(20);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (timedOut || pid !== null) await reapLeftovers(getStatePaths(join(dir, 'berth.yml')).runDir, 2000);
}

/** Registers `stopDaemon(dir)` as a cleanup; returns the function that runs it now. */
export function stopDaemonAtCleanup(dir: string): () => Promise<void> {
  return onCleanup(() => stopDaemon(dir));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every 5 ms until it returns a value; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await sleep(5);
  }
}

// ---- the fixture's trace ------------------------------------------------------------------------------------

export interface TraceEvent {
  readonly service: string;
  readonly instance: number;
  readonly pid: number;
  readonly event: string;
  readonly time: number;
}

export function readTrace(file: string): TraceEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as TraceEvent);
}

// ---- statistics and output ----------------------------------------------------------------------------------

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function machineLine(): string {
  const [one, five] = loadavg();
  return `Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · machine: ${String(cpus().length)} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Linux ${release()}, Node ${process.version} · load average at the end ${fmt(one ?? Number.NaN, 2)} (1 min), ${fmt(five ?? Number.NaN, 2)} (5 min)`;
}

// ---- the compiled CLI ---------------------------------------------------------------------------------------

const CACHE = join(ROOT, 'node_modules', '.cache', 'berth-bench');

function newestSource(dir: string): { newest: number; count: number } {
  let newest = 0;
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = newestSource(path);
      newest = Math.max(newest, inner.newest);
      count += inner.count;
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
      count += 1;
    }
  }
  return { newest, count };
}

/**
 * The path of `cli/run-main.js` built from the current src/ by `scripts/build.mjs` (the esbuild bundle `npm run
 * build` makes), into node_modules/.cache/berth-bench/dist so it resolves the project's dependencies; rebuilt when
 * src/ changed. A daemon started by this CLI runs in plain node, as in production.
 */
export function compiledCli(): string {
  const out = join(CACHE, 'dist');
  const entry = join(out, 'cli', 'run-main.js');
  const stampFile = join(CACHE, 'stamp.json');
  const stamp = JSON.stringify({ ...newestSource(join(ROOT, 'src')), build: statSync(join(ROOT, 'scripts', 'build.mjs')).mtimeMs });
  if (existsSync(entry) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return entry;
  console.error('bench: building src/ into node_modules/.cache/berth-bench/dist (scripts/build.mjs) ...');
  mkdirSync(CACHE, { recursive: true });
  const result = spawnSync(NODE, [join(ROOT, 'scripts', 'build.mjs'), out], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (!existsSync(entry)) throw new Error(`scripts/build.mjs did not produce ${entry}: ${result.stdout}${result.stderr}`);
  writeFileSync(stampFile, stamp);
  return entry;
}

/**
 * `cli/run-main.js` built from src/ as it was at the git commit `ref` (for before/after runs in the same benchmark:
 * `--against REF`), the way that commit's `npm run build` did: `git archive` into
 * node_modules/.cache/berth-bench/ref-SHA (so the output resolves the project's dependencies), then that commit's
 * scripts/build.mjs (the bundle, decision 0017) or, for commits before it, tsc --noCheck; kept across runs.
 */
export function compiledCliAt(ref: string): string {
  const sha = spawnSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`--against ${ref}: not a commit`);
  const base = join(CACHE, `ref-${sha.slice(0, 12)}`);
  const entry = join(base, 'dist', 'cli', 'run-main.js');
  if (existsSync(entry)) return entry;
  const bundled = spawnSync('git', ['cat-file', '-e', `${sha}:scripts/build.mjs`], { cwd: ROOT }).status === 0;
  console.error(`bench: building src/ at ${sha.slice(0, 12)} into ${base} (${bundled ? 'scripts/build.mjs' : 'tsc --noCheck'}) ...`);
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const files = bundled ? 'src scripts/build.mjs' : 'src tsconfig.json tsconfig.build.json';
  const archive = spawnSync('sh', ['-c', `git archive ${sha} ${files} | tar -x -C "${base}"`], { cwd: ROOT, encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`git archive ${sha}: ${archive.stderr}`);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const command = bundled
    ? [join(base, 'scripts', 'build.mjs'), join(base, 'dist')]
    : [tsc, '-p', 'tsconfig.build.json', '--outDir', join(base, 'dist'), '--declaration', 'false', '--sourceMap', 'false', '--noCheck'];
  const result = spawnSync(NODE, command, { cwd: base, encoding: 'utf8', timeout: 180_000 });
  if (!existsSync(entry)) throw new Error(`the build did not produce ${entry}: ${result.stdout}${result.stderr}`);
  return entry;
}
