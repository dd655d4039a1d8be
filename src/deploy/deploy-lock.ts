// `.berth/deploy.lock`: one deploy at a time. The lock file names its holder (user, pid, host, time). It is
// created atomically: the full content is written to a temp file which is then hard-linked to the lock path, an
// exclusive create (like O_EXCL) that never shows a half-written lock. A lock whose holder process is gone on this
// host is taken over with a warning for the caller to print; a holder on another host is never presumed dead.
// Release removes the lock only when it is still ours (same token), so a deploy never frees someone else's lock.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { BerthError, createDiagnostic, type Diagnostic } from '../errors/diagnostic.js';
import { readProcStat } from '../exec/proc-stat.js';

export interface LockHolder {
  /** The user who runs the deploy. */
  readonly holder: string;
  readonly pid: number;
  readonly host: string;
  /** ISO time the lock was taken. */
  readonly time: string;
  /** The holder's process start time (clock ticks since boot), to tell a live holder from a reused pid; null if unknown. */
  readonly startTime: number | null;
  /** Random; identifies this acquisition, so release never removes a lock someone else took since. */
  readonly token: string;
}

export interface DeployLock {
  readonly file: string;
  readonly holder: LockHolder;
}

export interface AcquireOptions {
  readonly pid?: number;
  readonly host?: string;
  readonly user?: string;
  readonly now?: Date;
}

export function deployLockPath(stateDir: string): string {
  return join(stateDir, 'deploy.lock');
}

/** The user running this process (the lock's holder, a deploy's history row). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid ${String(process.getuid?.() ?? '?')}`;
  }
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** The lock's holder; null when there is no lock; 'unreadable' when the file is not a lock Berth wrote. */
export function readDeployLock(file: string): LockHolder | null | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.holder !== 'string' || typeof value.pid !== 'number' || typeof value.host !== 'string' || typeof value.time !== 'string' || typeof value.token !== 'string') return 'unreadable';
    return { holder: value.holder, pid: value.pid, host: value.host, time: value.time, token: value.token, startTime: typeof value.startTime === 'number' ? value.startTime : null };
  } catch {
    return 'unreadable';
  }
}

/** True while the holder may be running: always for another host; on this host, its pid runs and was not reused. */
function holderAlive(holder: LockHolder, host: string): boolean {
  if (holder.host !== host) return true;
  const stat = readProcStat(holder.pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  return holder.startTime === null || stat.startTime === holder.startTime;
}

function tryCreate(file: string, holder: LockHolder): boolean {
  const temp = `${file}.${String(holder.pid)}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(holder, null, 2)}\n`);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/** Moves a stale lock out of the way, unless someone replaced it since it was read (then it is put back). */
function removeStale(file: string, stale: LockHolder): void {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (errno(error) === 'ENOENT') return;
    throw error;
  }
  const moved = readDeployLock(aside);
  if (moved !== null && moved !== 'unreadable' && moved.token !== stale.token) {
    try {
      linkSync(aside, file); // a live lock taken in between: give it back
    } catch {
      // someone holds the path again; the lock we moved was theirs before, nothing more to do
    }
  }
  unlinkSync(aside);
}

function lockedError(file: string, holder: LockHolder | 'unreadable'): BerthError {
  const params = holder === 'unreadable'
    ? { holder: 'unknown (the lock file cannot be read)', pid: '?', host: '?', time: '?', file }
    : { holder: holder.holder, pid: holder.pid, host: holder.host, time: holder.time, file };
  return new BerthError([createDiagnostic('BERTH_E_DEPLOY_LOCKED', { params })]);
}

/**
 * Takes the deploy lock. Throws BerthError BERTH_E_DEPLOY_LOCKED naming the holder when a live deploy holds it;
 * takes over a lock whose holder is gone (same host) and returns BERTH_W_DEPLOY_LOCK_TAKEN_OVER for the caller.
 */
export function acquireDeployLock(file: string, options: AcquireOptions = {}): { lock: DeployLock; warnings: Diagnostic[] } {
  const pid = options.pid ?? process.pid;
  const host = options.host ?? hostname();
  const holder: LockHolder = {
    holder: options.user ?? currentUser(),
    pid,
    host,
    time: (options.now ?? new Date()).toISOString(),
    startTime: readProcStat(pid)?.startTime ?? null,
    token: randomBytes(8).toString('hex'),
  };
  mkdirSync(dirname(file), { recursive: true });
  const warnings: Diagnostic[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(file, holder)) return { lock: { file, holder }, warnings };
    const current = readDeployLock(file);
    if (current === null) continue; // released in between
    if (current === 'unreadable' || holderAlive(current, host)) throw lockedError(file, current);
    removeStale(file, current);
    warnings.push(createDiagnostic('BERTH_W_DEPLOY_LOCK_TAKEN_OVER', { params: { holder: current.holder, pid: current.pid, host: current.host, time: current.time } }));
  }
  const current = readDeployLock(file);
  throw lockedError(file, current ?? 'unreadable');
}

/** Removes the lock if it is still ours; returns whether it did. Someone else's lock is left alone. */
export function releaseDeployLock(lock: DeployLock): boolean {
  const current = readDeployLock(lock.file);
  if (current === null || current === 'unreadable' || current.token !== lock.holder.token || current.pid !== lock.holder.pid || current.host !== lock.holder.host) return false;
  try {
    unlinkSync(lock.file);
    return true;
  } catch (error) {
    if (errno(error) === 'ENOENT') return false;
    throw error;
  }
}
