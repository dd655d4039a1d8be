// Stops a whole process group: the configured signal, then wait until no member is left, then SIGKILL.
// Why poll /proc rather than kill(-pgid, 0): zombies still count as group members for kill(), and an
// orphaned grandchild's zombie may never be reaped where PID 1 does not reap; /proc shows the state.
import { setTimeout as sleep } from 'node:timers/promises';
import { listGroupMembers } from './proc-stat.js';

export interface StopResult {
  /** True when the group had to be killed with SIGKILL. */
  readonly killed: boolean;
  readonly durationMs: number;
}

/** Sends `signal` to the group, ignoring a group that is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Whether the group has a live member. kill(-pgid, 0) failing with ESRCH means no process at all is
 * in it, zombies included: then the /proc scan (10–40 ms with a few hundred processes on a busy machine, on the
 * daemon's event loop) is skipped. Any other answer needs the scan, since zombies count for kill().
 */
function hasLiveMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return listGroupMembers(pgid).length > 0;
}

/** Resolves once no live member of the group is left, or false after `timeoutMs`. */
export async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pause = 5;
  while (hasLiveMembers(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 50);
  }
  return true;
}

/** Stops the group gracefully, then forcibly; resolves when the group is empty. */
export async function stopProcessGroup(pgid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<StopResult> {
  const started = Date.now();
  if (!hasLiveMembers(pgid)) return { killed: false, durationMs: 0 };
  signalGroup(pgid, signal);
  signalGroup(pgid, 'SIGCONT');
  if (await waitForGroupExit(pgid, timeoutMs)) return { killed: false, durationMs: Date.now() - started };
  signalGroup(pgid, 'SIGKILL');
  await waitForGroupExit(pgid, 5000);
  return { killed: true, durationMs: Date.now() - started };
}
