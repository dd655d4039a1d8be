// Starts the background daemon: a detached node process running Berth's own CLI, output to a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

// Why resolve: `--import tsx` is resolved from the working folder, and the daemon may run elsewhere.
function resolveSpecifier(specifier: string): string {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) return specifier;
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

/** Node flags to pass on, so a daemon started from tests runs the same TypeScript loader. */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const flag = execArgv[i] ?? '';
    if ((flag === '--import' || flag === '--loader' || flag === '--require' || flag === '-r') && execArgv[i + 1] !== undefined) {
      kept.push(flag, resolveSpecifier(execArgv[i + 1] ?? ''));
      i += 1;
    } else if (/^--(import|loader|require)=/.test(flag)) {
      kept.push(flag);
    }
  }
  return kept;
}

/**
 * V8 flags the daemon runs with, for P4 (≤ 60 MB RSS with 20 services, 1 s probes and the edge on; docs/benchmarks.md,
 * P4). --optimize-for-size: 4–5 MB less (0.93×) at the same CPU. --no-opt (no TurboFan; Ignition and Sparkplug still
 * run): 62.3 → 55.3 MB at 0.77 → 0.89 % of a core in the same minutes. Why the daemon can do without TurboFan: its
 * one hot loop, encoding a chatty service's log lines, is WebAssembly (decision 0019), which --no-opt leaves alone;
 * P5 showed no consistent cost (docs/benchmarks.md, P5). --lite-mode (52 MB) would also turn WebAssembly off.
 * --max-semi-space-size=1 saved nothing and cost CPU (1.16×).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--optimize-for-size', '--no-opt'];

export interface SpawnedDaemon {
  readonly pid: number;
  /** The daemon's stdin when spawned with `input: true` (the CLI hands it the stack), else null. */
  readonly stdin: Writable | null;
  /** Resolves with the exit code (or signal) if the daemon exits while this process still runs. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

export interface SpawnDaemonOptions {
  /** Give the daemon a pipe on stdin (default: none). */
  readonly input?: boolean;
}

/** Spawns `node <entry> ...args` in its own session, detached from this one. */
export function spawnDaemon(entry: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv, options: SpawnDaemonOptions = {}): SpawnedDaemon {
  mkdirSync(dirname(logFile), { recursive: true, mode: 0o700 });
  const fd = openSync(logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...loaderFlags(process.execArgv), entry, ...args], { detached: true, stdio: [options.input === true ? 'pipe' : 'ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
    child.once('error', () => {
      resolve({ code: null, signal: null });
    });
  });
  child.unref();
  // The pipe must not keep this process alive once written and closed (or if the daemon goes away).
  child.stdin?.on('error', () => undefined);
  return { pid: child.pid ?? 0, stdin: child.stdin, exited };
}
