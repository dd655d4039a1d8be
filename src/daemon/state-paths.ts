// Where a stack keeps its state: `.berth/` beside berth.yml, and the control socket in it.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Unix socket paths are limited to 107 bytes; deep project folders fall back to a short path in the temp folder.
const MAX_SOCKET_PATH = 100;

export interface StatePaths {
  readonly stateDir: string;
  readonly socket: string;
  readonly runDir: string;
  readonly logsDir: string;
  readonly daemonLog: string;
}

/** The state paths of the stack whose berth.yml is `stackFile`. */
export function getStatePaths(stackFile: string): StatePaths {
  const stateDir = join(dirname(stackFile), '.berth');
  const preferred = join(stateDir, 'berth.sock');
  const socket = preferred.length <= MAX_SOCKET_PATH ? preferred : join(tmpdir(), `berth-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}.sock`);
  return { stateDir, socket, runDir: join(stateDir, 'run'), logsDir: join(stateDir, 'logs'), daemonLog: join(stateDir, 'daemon.log') };
}
