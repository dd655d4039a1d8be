// Runs a command in the foreground, attached to Berth's own terminal (stdin, stdout and stderr
// inherited), as `berth exec` does. Unlike supervised processes it stays in Berth's process group, so
// Ctrl-C at the terminal reaches it directly; Berth ignores that Ctrl-C itself and lets the command decide.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants } from 'node:os';

export interface InteractiveSpec {
  /** The program and its arguments; the program is looked up on `env.PATH`. */
  readonly argv: readonly [string, ...string[]];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface InteractiveResult {
  /** What the caller should exit with: the command's code, 128 + signal number when a signal ended it,
   * 127 when the program was not found, 126 when it could not be run (the shell's conventions). */
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
  /** Set when the command could not be started. */
  readonly error?: string;
}

// Signals the terminal sends to the whole foreground group: the command gets them itself.
const TERMINAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
// Signals sent to Berth alone (kill, a service manager): passed on to the command.
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

function startError(error: NodeJS.ErrnoException): InteractiveResult {
  const exitCode = error.code === 'ENOENT' ? 127 : 126;
  return { exitCode, signal: null, error: error.code === 'ENOENT' ? 'command not found' : error.message };
}

/** Runs the command to its end; never throws. */
export function runInteractive(spec: InteractiveSpec): Promise<InteractiveResult> {
  const [program, ...args] = spec.argv;
  // Why check first: spawn reports a missing working folder as ENOENT, as if the program were missing.
  if (!isDirectory(spec.cwd)) return Promise.resolve({ exitCode: 126, signal: null, error: `the working folder ${spec.cwd} does not exist` });
  return new Promise((resolve) => {
    const ignore = (): void => undefined;
    const handlers = new Map<NodeJS.Signals, () => void>();
    let settled = false;
    const finish = (result: InteractiveResult): void => {
      if (settled) return;
      settled = true;
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
      handlers.clear();
      resolve(result);
    };
    let child;
    try {
      child = spawn(program, args, { cwd: spec.cwd, env: { ...spec.env }, stdio: 'inherit' });
    } catch (error) {
      resolve(startError(error as NodeJS.ErrnoException));
      return;
    }
    for (const signal of TERMINAL_SIGNALS) handlers.set(signal, ignore);
    for (const signal of FORWARDED_SIGNALS) handlers.set(signal, () => child.kill(signal));
    for (const [signal, handler] of handlers) process.on(signal, handler);
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish(startError(error));
    });
    child.once('exit', (code, signal) => {
      if (signal !== null) finish({ exitCode: 128 + ((constants.signals[signal] as number | undefined) ?? 0), signal });
      else finish({ exitCode: code ?? 1, signal: null });
    });
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
