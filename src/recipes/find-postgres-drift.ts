// Version drift: a postgres data folder made by one major version, and a server of another on this machine
// (field note 4 documented 16 and ran 15). `berth check` and `berth up` refuse it before anything starts.
import { findPostgresBinaries, type PostgresBinaries } from './find-postgres.js';
import { inspectPostgresDataDir } from './postgres-data-dir.js';

export interface PostgresDrift {
  readonly dataMajor: number;
  readonly binaries: PostgresBinaries;
}

/** The drift between `dataDir` and the server found for `binDir`, or undefined when they agree, there is no
 * cluster yet, or no server is installed (nothing to compare). */
export function findPostgresDrift(dataDir: string, binDir: string | null, path: string | undefined): PostgresDrift | undefined {
  const data = inspectPostgresDataDir(dataDir);
  if (data.kind !== 'cluster') return undefined;
  const found = findPostgresBinaries(binDir, path);
  if (!found.ok || found.binaries.major === data.major) return undefined;
  return { dataMajor: data.major, binaries: found.binaries };
}
