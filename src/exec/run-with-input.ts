// Runs a short command that reads its input on stdin (an alert's `exec:` channel), in its own process group,
// killed whole when it overruns its time. A command that never reads stdin is not an error.
import { spawn } from 'node:child_process';

export interface RunWithInputSpec {
  readonly argv: readonly [string, ...string[]];
  readonly input: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
}

export interface RunWithInputResult {
  /** Exit code; null when killed by a signal, timed out or not started. */
  readonly code: number | null;
  /** stdout and stderr together: the last 8 KiB. */
  readonly output: string;
  readonly timedOut: boolean;
  /** Set when the program could not be started. */
  readonly error?: string;
}

const MAX_OUTPUT = 8 * 1024;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs `argv` with `input` on stdin; resolves when it exited or was killed at the timeout. Never throws. */
export function runWithInput(spec: RunWithInputSpec): Promise<RunWithInputResult> {
  return new Promise((resolve) => {
    const [program, ...args] = spec.argv;
    let output = '';
    let timedOut = false;
    const child = spawn(program, args, { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // EPIPE when the command exits without reading: its exit code decides.
    child.stdin.on('error', () => undefined);
    child.stdin.end(spec.input);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, spec.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output, timedOut, error: error.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      killGroup(child.pid);
      resolve({ code, output: output.slice(-MAX_OUTPUT), timedOut });
    });
  });
}
