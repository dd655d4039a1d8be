// Records, under the daemon's `.berth/run/`, the short-lived children it spawns besides service instances: backup
// tools (pg_dump, tar, rclone), scratch servers for verification, deploy builds. Why: "processes never leak" holds
// for a daemon that is SIGKILLed too — the next daemon reaps every group recorded there (reapLeftovers, on its first
// up) — and a scratch redis-server left by a killed verification would otherwise run forever.
// Set once per process by startDaemon (a daemon runs one stack); unset in CLI processes, where nothing is recorded.
import { readProcStat } from './proc-stat.js';
import { removeProcessRecord, writeProcessRecord } from './process-records.js';

let recordDir: string | null = null;

/** Where children are recorded from now on (null: nowhere). */
export function setChildRecordDir(dir: string | null): void {
  recordDir = dir;
}

/** Records the group led by `pid` as `<name>-<pid>` (in `dir`, else the process's record folder); returns the
 * function that removes the record once the group is gone. A no-op without a folder or a pid. */
export function recordChild(pid: number | undefined, name: string, dir: string | null = recordDir): () => void {
  if (pid === undefined || dir === null) return () => undefined;
  const service = `${name.replace(/[^a-zA-Z0-9.-]/g, '-')}-${String(pid)}`;
  try {
    writeProcessRecord(dir, { service, instance: 0, pid, pgid: pid, startTime: readProcStat(pid)?.startTime ?? 0 });
  } catch {
    return () => undefined; // a record that cannot be written must not fail the command
  }
  return () => {
    removeProcessRecord(dir, service, 0);
  };
}
