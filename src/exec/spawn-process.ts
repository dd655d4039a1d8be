// The only place Berth starts processes. Every child gets its own session and process group
// (detached), stdin closed, stdout/stderr on real pipes, and optionally a notify pipe on fd 3.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ResolvedCommand } from '../config/resolved-stack.js';
import { closeQuietly, openLogPipe, pipeReader, pipeReaderInPlace, type PipeEnds } from './open-log-pipe.js';
import { readProcStat } from './proc-stat.js';

export interface SpawnSpec {
  readonly command: ResolvedCommand;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Open fd 3 as a pipe the child can write `READY` to (BERTH_NOTIFY_FD=3). */
  readonly notify?: boolean;
  /** Run as this user and group (set only when Berth runs as root, e.g. PostgreSQL, which refuses root). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /**
   * stdout and stderr emit views of a shared buffer, valid only during each 'data' listener
   * (pipeReaderInPlace): for readers that copy what they keep, such as the log sink.
   */
  readonly chunksInPlace?: boolean;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (missing program, bad cwd). */
  readonly error?: string;
}

export interface ProcessHandle {
  /** 0 when the process could not be started. */
  readonly pid: number;
  /** The process group id; equal to pid, as every child leads its own group. */
  readonly pgid: number;
  /** Start time in clock ticks since boot (from /proc), to recognise the process after pid reuse. */
  readonly startTime: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly notify: Readable | null;
  /** Resolves when the leader has exited (its group may live on; see stopProcessGroup). */
  readonly exit: Promise<ExitInfo>;
}

export const NOTIFY_FD = 3;

/** Argv for a resolved command: a string runs with /bin/sh -c, a list runs directly. */
export function toArgv(command: ResolvedCommand): [string, ...string[]] {
  if ('shell' in command) return ['/bin/sh', '-c', command.shell];
  const [program, ...args] = command.argv;
  return [program ?? '/bin/false', ...args];
}

/** Starts a process in its own process group. Never throws; a failed start resolves `exit` with an error. */
export function spawnProcess(spec: SpawnSpec): ProcessHandle {
  const [program, ...args] = toArgv(spec.command);
  const notify = spec.notify === true;
  const env = notify ? { ...spec.env, BERTH_NOTIFY_FD: String(NOTIFY_FD) } : { ...spec.env };
  // Real pipes where they can be had; Node's own socketpair ('pipe') otherwise.
  const pipes = [openLogPipe(), openLogPipe()] as const;
  const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', pipes[0]?.write ?? 'pipe', pipes[1]?.write ?? 'pipe'];
  if (notify) stdio.push('pipe');
  let child;
  try {
    const user = spec.user === undefined ? {} : { uid: spec.user.uid, gid: spec.user.gid };
    child = spawn(program, args, { cwd: spec.cwd, env, detached: true, stdio, ...user });
  } catch (error) {
    for (const ends of pipes) if (ends !== undefined) closeQuietly(ends.read);
    return failed(error instanceof Error ? error.message : String(error));
  } finally {
    // Why at once: while the parent holds a write end, the reader never sees EOF.
    for (const ends of pipes) if (ends !== undefined) closeQuietly(ends.write);
  }
  const exit = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      resolve({ code: null, signal: null, error: error.message });
    });
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  const pid = child.pid ?? 0;
  const notifyStream = notify ? (child.stdio[NOTIFY_FD] as Readable | null | undefined) ?? null : null;
  return { pid, pgid: pid, startTime: pid === 0 ? 0 : (readProcStat(pid)?.startTime ?? 0), stdout: reader(pipes[0], child.stdout, spec.chunksInPlace), stderr: reader(pipes[1], child.stderr, spec.chunksInPlace), notify: notifyStream, exit };
}

function reader(ends: PipeEnds | undefined, fallback: Readable | null, inPlace = false): Readable | null {
  if (ends === undefined) return fallback;
  return inPlace ? pipeReaderInPlace(ends.read) : pipeReader(ends.read);
}

function failed(error: string): ProcessHandle {
  return { pid: 0, pgid: 0, startTime: 0, stdout: null, stderr: null, notify: null, exit: Promise.resolve({ code: null, signal: null, error }) };
}
