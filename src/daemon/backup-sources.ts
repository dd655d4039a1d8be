// Which services can be backed up and where their data is: postgres and redis recipes by their server, any other
// service by the folders in `backup.paths`. Pure reading of the stack plus the secrets Berth made for it.
import { join } from 'node:path';
import type { ResolvedService, ResolvedStack } from '../config/resolved-stack.js';
import type { BackupSource } from '../backup/backup-types.js';
import { utcStamp } from '../backup/durable-file.js';
import { findPostgresBinaries } from '../recipes/find-postgres.js';
import { postgresSecretNames } from '../recipes/postgres-paths.js';
import { readSecret } from '../recipes/recipe-secrets.js';
import { findRedisServer } from '../recipes/redis-binary.js';

/** Services a backup can be taken of. */
export function listBackupServices(stack: ResolvedStack): string[] {
  return Object.values(stack.services).filter((s) => canBackUp(s)).map((s) => s.name);
}

export function canBackUp(service: ResolvedService): boolean {
  return service.recipe === 'postgres' || service.recipe === 'redis' || (service.backup?.paths?.length ?? 0) > 0;
}

export type SourceResult = { readonly ok: true; readonly source: BackupSource } | { readonly ok: false; readonly reason: string };

/** Where the backup of `service` reads from, given the port it runs on now. */
export function resolveBackupSource(stack: ResolvedStack, service: ResolvedService, stateDir: string, port: number | null, path: string | undefined): SourceResult {
  if (service.recipe === 'postgres') {
    const found = findPostgresBinaries(service.bin_dir, path);
    if (!found.ok) return { ok: false, reason: found.reason };
    const password = readSecret(stateDir, postgresSecretNames(service.name).superuser);
    if (password === undefined) return { ok: false, reason: `no superuser password for ${service.name} in ${join(stateDir, 'secrets')}: the database was never initialised by Berth` };
    if (port === null) return { ok: false, reason: `${service.name} has no port: is it running?` };
    return { ok: true, source: { kind: 'postgres', host: '127.0.0.1', port, user: 'postgres', password, database: service.database ?? 'postgres', binDir: found.binaries.binDir } };
  }
  if (service.recipe === 'redis') {
    if (service.data === null) return { ok: false, reason: `${service.name} has no data folder` };
    if (port === null) return { ok: false, reason: `${service.name} has no port: is it running?` };
    const found = findRedisServer(service.bin_dir, path);
    const binDir = found.ok ? found.file.slice(0, found.file.lastIndexOf('/')) : null;
    return { ok: true, source: { kind: 'redis', host: '127.0.0.1', port, password: service.password, dataDir: service.data, binDir } };
  }
  const paths = service.backup?.paths ?? [];
  if (paths.length === 0) return { ok: false, reason: `${service.name} is not a postgres or redis recipe and has no \`backup.paths\`` };
  return { ok: true, source: { kind: 'files', root: stack.root, paths } };
}

/** `<service>-20261122T173000Z`: sorts by time, one folder a service. */
export function makeBackupId(service: string, now: number, taken: (id: string) => boolean): string {
  const stamp = utcStamp(now);
  let id = `${service}-${stamp}`;
  for (let n = 2; taken(id); n += 1) id = `${service}-${stamp}-${String(n)}`;
  return id;
}
