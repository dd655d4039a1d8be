// Runs a short command to completion (initdb, `postgres --version`) and collects its output. Like every child of
// Berth it leads its own process group, and the whole group is killed when it overruns its time.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { recordChild } from './child-records.js';

export interface RunCommandSpec {
  readonly argv: readonly [string, ...string[]];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly user?: { readonly uid: number; readonly gid: number };
  readonly timeoutMs: number;
  /** Aborting kills the whole group (a deploy interrupted while its build runs). */
  readonly signal?: AbortSignal;
  /** Written to stdin, which is then closed (an alert's `exec:` channel); stdin is closed at once without it. */
  readonly input?: string;
}

export interface RunCommandResult {
  /** Exit code; null when killed by a signal, timed out or not started. */
  readonly code: number | null;
  /** stdout and stderr together, in arrival order: the last 64 KiB (where a failure's message is). */
  readonly output: string;
  readonly timedOut: boolean;
  /** True when the signal aborted it. */
  readonly aborted?: boolean;
  /** Set when the program could not be started. */
  readonly error?: string;
}

const MAX_OUTPUT = 64 * 1024;

/** Runs `argv` and resolves when it has exited (or was killed at the timeout). Never throws. */
export function runCommand(spec: RunCommandSpec): Promise<RunCommandResult> {
  return new Promise((resolve) => {
    const [program, ...args] = spec.argv;
    let output = '';
    let timedOut = false;
    const user = spec.user === undefined ? {} : { uid: spec.user.uid, gid: spec.user.gid };
    const child = spawn(program, args, { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: [spec.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...user });
    // Recorded while it runs (a daemon's children): reaped by the next daemon if this one dies first.
    const forget = recordChild(child.pid, basename(program));
    if (spec.input !== undefined) {
      // EPIPE when the command exits without reading: its exit code decides.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(spec.input);
    }
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
    };
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      killGroup(child.pid);
    };
    if (spec.signal?.aborted === true) abort();
    spec.signal?.addEventListener('abort', abort, { once: true });
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, spec.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      forget();
      spec.signal?.removeEventListener('abort', abort);
      resolve({ code: null, output, timedOut, error: error.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', abort);
      // Grandchildren left behind by a finished command go with it.
      killGroup(child.pid);
      forget();
      resolve({ code, output: output.slice(-MAX_OUTPUT), timedOut, ...(aborted ? { aborted } : {}) });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
