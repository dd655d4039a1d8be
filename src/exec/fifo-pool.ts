// A private folder of ready-made FIFOs, so that giving a child a real pipe costs a spawn two open()s
// and an unlink(), not a run of `mkfifo` on its path (Node has no mkfifo of its own; see decision 0009).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from './proc-stat.js';

/** FIFOs made by one run of `mkfifo` (two a spawn: stdout and stderr). */
const BATCH = 16;
/** Fewer than this left: make the next batch in the background. */
const LOW_WATER = 8;
/** After `mkfifo` failed, spawns use Node's socketpair for this long before trying again. */
const RETRY_MS = 30_000;
const PREFIX = 'berth-pipes-';

interface Pool {
  readonly dir: string;
  readonly ready: string[];
  made: number;
  refilling: boolean;
}

let pool: Pool | undefined;
let failedAt = Number.NEGATIVE_INFINITY;

/**
 * The path of a fresh FIFO (mode 0600, in a 0700 folder of this process), or undefined when none can
 * be made. The caller opens it and unlinks it; a path is never handed out twice.
 */
export function takeFifo(): string | undefined {
  if (Date.now() - failedAt < RETRY_MS) return undefined;
  try {
    pool ??= createPool();
    if (pool.ready.length === 0) {
      // Only the first spawn, or one right after a burst, waits for mkfifo (≈ 4 ms).
      const names = batchNames(pool);
      execFileSync('mkfifo', ['-m', '600', ...names], { stdio: 'ignore' });
      pool.ready.push(...names);
    }
  } catch {
    discardFifoPool();
    failedAt = Date.now();
    return undefined;
  }
  const path = pool.ready.shift();
  if (pool.ready.length < LOW_WATER) refill(pool);
  return path;
}

/**
 * Makes the first batch in the background now, so that the first spawn does not wait for `mkfifo`: the daemon
 * calls it as it starts, while its modules load. Best effort: a failure here is met again by takeFifo.
 */
export function prefillFifoPool(): void {
  if (Date.now() - failedAt < RETRY_MS) return;
  try {
    pool ??= createPool();
    if (pool.ready.length < LOW_WATER) refill(pool);
  } catch {
    // takeFifo tries again, and falls back to a socketpair if it must.
  }
}

/** Forgets the folder (removing it): the next take makes a new one. For a folder found broken. */
export function discardFifoPool(): void {
  if (pool !== undefined) removeDir(pool.dir);
  pool = undefined;
}

/** The folder FIFOs are made in, for tests; undefined before the first take. */
export function fifoPoolDir(): string | undefined {
  return pool?.dir;
}

function batchNames(target: Pool): string[] {
  return Array.from({ length: BATCH }, () => join(target.dir, String(target.made++)));
}

function refill(target: Pool): void {
  if (target.refilling) return;
  target.refilling = true;
  const names = batchNames(target);
  execFile('mkfifo', ['-m', '600', ...names], (error) => {
    target.refilling = false;
    // A pool discarded meanwhile keeps its folder removed; its names are never handed out.
    if (error !== null || pool !== target) return;
    target.ready.push(...names);
  }).unref();
}

function createPool(): Pool {
  sweepStale();
  // mkdtemp makes the folder 0700: no other user can open (or swap) a FIFO in it.
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${String(process.pid)}-`));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      if (pool !== undefined) removeDir(pool.dir);
    });
  }
  return { dir, ready: [], made: 0, refilling: false };
}

let exitHookInstalled = false;

/** Removes folders left by processes of this user that died without cleaning up (SIGKILL). */
function sweepStale(): void {
  const root = tmpdir();
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = /^berth-pipes-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isProcessAlive(Number(pid))) continue;
    try {
      if (statSync(join(root, name)).uid === uid) removeDir(join(root, name));
    } catch {
      // Gone already, or not ours to look at.
    }
  }
}

function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort: a leftover folder of unlinked-or-unused FIFOs harms nothing and is swept later.
  }
}
