// Where a postgres recipe keeps its socket and secrets: the socket under `.berth/run/`, or a short folder in the
// temp folder when that path would pass the 107-byte limit of Unix socket paths.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `/.s.PGSQL.65535.lock` is 21 bytes; the socket path must stay under 107.
const MAX_SOCKET_DIR = 80;

/** The folder PostgreSQL puts its Unix socket in. */
export function postgresSocketDir(stateDir: string, service: string): string {
  const preferred = join(stateDir, 'run', `${service}.pg`);
  if (preferred.length <= MAX_SOCKET_DIR) return preferred;
  return join(tmpdir(), `berth-pg-${createHash('sha256').update(preferred).digest('hex').slice(0, 16)}`);
}

/** Names of the secrets a postgres recipe keeps under `.berth/secrets/`. */
export const postgresSecretNames = (service: string): { readonly superuser: string; readonly role: string } => ({ superuser: `${service}.superuser`, role: `${service}.password` });
