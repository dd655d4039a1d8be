// Restores a verified backup: refuses one that is not verified, whose file is missing or whose sha256 differs from
// the record's, decrypts an encrypted one to a private temporary file (authenticated before anything is touched),
// and hands the plain file to the kind's restore. Existing data is moved aside or replaced in one transaction,
// never deleted.
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import type { BackupRecord } from './backup-types.js';
import { hashFile } from './durable-file.js';
import { decryptFile, isEncryptedFile, readKeyFile } from './encrypt-file.js';
import { restoreArchive, type FilesRestoreTarget } from './files-backup.js';
import { restorePostgresDump, type PostgresRestoreTarget } from './postgres-backup.js';
import { restoreRedisRdb, type RedisRestoreTarget } from './redis-backup.js';

export type { FilesRestoreTarget, PostgresRestoreTarget, RedisRestoreTarget };

/** Where a backup goes back to: postgres (over the live database, or `create` a new one beside it), redis (its
 * stopped server's data folder), files (the root and the archived paths). */
export type RestoreTarget = PostgresRestoreTarget | RedisRestoreTarget | FilesRestoreTarget;

export interface RestoreOptions {
  /** The key file an encrypted backup needs. */
  readonly encryptKeyFile: string | null;
}

/** Restores `record` into `target`; throws an Error with the reason (nothing was changed unless it says so). */
export async function restoreBackup(record: BackupRecord, target: RestoreTarget, options: RestoreOptions): Promise<void> {
  if (record.state !== 'verified') throw new Error(`cannot restore backup ${record.id}: expected a verified backup, found state ${record.state}${record.reason === null ? '' : ` (${record.reason})`}`);
  if (target.kind !== record.kind) throw new Error(`cannot restore backup ${record.id}: expected a ${record.kind} target, found a ${target.kind} one`);
  if (!(await stat(record.file).then((s) => s.isFile(), () => false))) throw new Error(`cannot restore backup ${record.id}: expected its file ${record.file}, found nothing there`);
  const { sha256 } = await hashFile(record.file);
  if (sha256 !== record.sha256) throw new Error(`cannot restore backup ${record.id}: ${record.file} has sha256 ${sha256}, expected ${record.sha256 ?? 'a recorded one'} (the file changed since it was verified)`);
  const encrypted = await isEncryptedFile(record.file);
  if (encrypted !== record.encrypted) throw new Error(`cannot restore backup ${record.id}: expected ${record.encrypted ? 'an encrypted' : 'a plain'} file, found ${encrypted ? 'an encrypted' : 'a plain'} one`);
  let plain = record.file;
  if (encrypted) {
    if (options.encryptKeyFile === null) throw new Error(`cannot restore backup ${record.id}: it is encrypted and no key file was given (backup.encrypt_key)`);
    const key = await readKeyFile(options.encryptKeyFile);
    plain = `${record.file}.restore-${randomBytes(4).toString('hex')}.partial`;
    try {
      await decryptFile(record.file, plain, key);
    } catch (error) {
      await rm(plain, { force: true });
      throw new Error(`cannot restore backup ${record.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    if (target.kind === 'postgres') await restorePostgresDump(plain, target);
    else if (target.kind === 'redis') await restoreRedisRdb(plain, record.verification?.kind === 'redis' ? record.verification.keys : null, target);
    else await restoreArchive(plain, target);
  } finally {
    if (plain !== record.file) await rm(plain, { force: true });
  }
}
