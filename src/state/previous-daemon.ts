// Tells, when a daemon starts, whether the one before it stopped cleanly. A clean stop removes
// `.berth/daemon.json` and every process record and records `daemon_stopped`; whatever of that is left
// shows the previous daemon was killed or crashed (alerts want to know).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOurGroup, readProcessRecords } from '../exec/process-records.js';
import { isProcessAlive } from '../exec/proc-stat.js';
import type { EventStore } from './event-store.js';

export const DAEMON_STARTED = 'daemon_started';
export const DAEMON_STOPPED = 'daemon_stopped';

export interface PreviousDaemon {
  /** True when there is any sign the previous daemon did not stop cleanly. */
  readonly unclean: boolean;
  /** Why, in words (empty when clean). */
  readonly reasons: readonly string[];
  /** From a leftover daemon.json. */
  readonly pid: number | null;
  readonly started: number | null;
  /** Service instances whose process records were left behind, and whether their processes still run. */
  readonly leftovers: readonly { readonly service: string; readonly instance: number; readonly running: boolean }[];
}

interface DaemonFile {
  readonly pid?: unknown;
  readonly started?: unknown;
}

function readDaemonFile(file: string): DaemonFile | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch (error) {
    // A file that exists but cannot be parsed was still left behind.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : {};
  }
}

/** The pid a running (or crashed) daemon wrote to `.berth/daemon.json`, or null when there is none. */
export function readDaemonPid(stateDir: string): number | null {
  const file = readDaemonFile(join(stateDir, 'daemon.json'));
  return typeof file?.pid === 'number' && Number.isInteger(file.pid) ? file.pid : null;
}

/** Resolves true once `pid` no longer runs (zombies count as gone), false after `timeoutMs`. */
export async function waitForProcessExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pid !== process.pid && isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Waits (up to `timeoutMs`) for the daemon named in a leftover daemon.json to exit, when it still runs:
 * after `berth down` answers, the old daemon takes a moment to close its database and remove the file,
 * and a `berth up` right then must not take that for an unclean stop. Resolves true once it is gone.
 */
export async function waitForPreviousDaemon(stateDir: string, timeoutMs = 3000): Promise<boolean> {
  const pid = readDaemonPid(stateDir);
  return pid === null ? true : waitForProcessExit(pid, timeoutMs);
}

/**
 * Looks for what an unclean stop leaves. Call it before the new daemon writes its own daemon.json and
 * before its supervisor reaps the old process records. `store` adds one more sign: the last daemon
 * event recorded is a start with no stop after it.
 */
export function inspectPreviousDaemon(stateDir: string, runDir: string, store: EventStore | null): PreviousDaemon {
  const reasons: string[] = [];
  const file = readDaemonFile(join(stateDir, 'daemon.json'));
  const pid = typeof file?.pid === 'number' && Number.isInteger(file.pid) ? file.pid : null;
  const started = typeof file?.started === 'number' ? file.started : null;
  if (file !== null) {
    if (pid === null) reasons.push('daemon.json was left behind');
    else if (pid !== process.pid && isProcessAlive(pid)) reasons.push(`daemon.json was left behind by pid ${String(pid)}, which still runs but does not answer on the socket`);
    else reasons.push(`daemon.json was left behind by pid ${String(pid)}, which is gone`);
  }
  const leftovers = readProcessRecords(runDir).map((record) => ({ service: record.service, instance: record.instance, running: isOurGroup(record) }));
  if (leftovers.length > 0) {
    const running = leftovers.filter((l) => l.running).length;
    reasons.push(`${String(leftovers.length)} process record(s) were left behind (${String(running)} still running)`);
  }
  if (store !== null) {
    const last = store.list({ types: [DAEMON_STARTED, DAEMON_STOPPED], limit: 1 })[0];
    if (last?.type === DAEMON_STARTED) reasons.push(`the daemon started at ${new Date(last.time).toISOString()} recorded no stop`);
  }
  return { unclean: reasons.length > 0, reasons, pid, started, leftovers };
}
