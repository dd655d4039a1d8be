// Runs one backup job: make the file as `<name>.partial`, encrypt it when a key file is set, verify what is stored
// by restoring it (decrypting first), and only then write the manifest and rename the file to its final name.
// Never throws: every failure becomes a `failed` record with its reason, and Berth's own partial files go.
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupJob, BackupKind, BackupRecord, Verification } from './backup-types.js';
import { ensurePrivateDir, fsyncPath, hashFile, hideSecrets, messageOf } from './durable-file.js';
import { decryptFile, encryptFile, readKeyFile } from './encrypt-file.js';
import { archiveFiles, tarVersion, verifyArchive } from './files-backup.js';
import { dumpPostgres, verifyPostgresDump } from './postgres-backup.js';
import { snapshotRedis, verifyRedisRdb } from './redis-backup.js';
import { writeManifest } from './write-manifest.js';

/** The backup file's extension per kind (plus `.enc` when encrypted). */
export const BACKUP_EXTENSIONS: Readonly<Record<BackupKind, string>> = { postgres: 'dump', redis: 'rdb', files: 'tar.gz' };

/** Where a job's backup file goes: `<dir>/<id>.<ext>[.enc]`. */
export function backupFilePath(job: Pick<BackupJob, 'dir' | 'id' | 'source' | 'encryptKeyFile'>): string {
  return join(job.dir, `${job.id}.${BACKUP_EXTENSIONS[job.source.kind]}${job.encryptKeyFile === null ? '' : '.enc'}`);
}

/** For tests only: a step run on the stored partial file between making it and verifying it (to corrupt it). */
export interface BackupHooks {
  readonly beforeVerify?: (partialFile: string) => Promise<void> | void;
}

/** Runs `job`; resolves with the final record (verified, or failed with a reason). Never rejects. */
export function runBackup(job: BackupJob): Promise<BackupRecord> {
  return runBackupWithHooks(job, {});
}

/** `runBackup` with test hooks. */
export async function runBackupWithHooks(job: BackupJob, hooks: BackupHooks): Promise<BackupRecord> {
  const file = backupFilePath(job);
  const partial = `${file}.partial`;
  const encrypted = job.encryptKeyFile !== null;
  // With a key, the tool writes the plain file here, which is encrypted into `partial` and removed.
  const plain = encrypted ? join(job.dir, `${job.id}.${BACKUP_EXTENSIONS[job.source.kind]}.plain.partial`) : partial;
  const decrypted = join(job.dir, `${job.id}.verify.partial`);
  const listFile = join(job.dir, `${job.id}.list.partial`);
  const secrets = ['password' in job.source ? job.source.password : null];
  let record: BackupRecord = {
    id: job.id, service: job.service, kind: job.source.kind, state: 'running', trigger: job.trigger, startedAt: Date.now(), finishedAt: null, file,
    size: null, sha256: null, serverVersion: null, encrypted, verification: null, reason: null, offsite: null,
  };
  const emit = (next: BackupRecord): void => {
    record = next;
    try {
      job.onUpdate(next);
    } catch {
      // A listener's failure must not change the backup's outcome.
    }
  };
  emit(record);
  let renamed = false;
  try {
    await ensurePrivateDir(job.dir);
    const key = job.encryptKeyFile === null ? null : await readKeyFile(job.encryptKeyFile);
    const made = await makeAndVerify(job, { plain, partial, decrypted, listFile, key, hooks }, (serverVersion) => {
      record = { ...record, serverVersion };
    });
    if (!made.ok) throw new VerificationFailed(made);
    const { sha256, size } = await hashFile(partial);
    const final: BackupRecord = { ...record, state: 'verified', finishedAt: Date.now(), size, sha256, verification: made };
    // The manifest first: a file under its final name always has one; then the rename, made durable.
    await writeManifest(final);
    await rename(partial, file);
    renamed = true;
    await fsyncPath(job.dir);
    emit(final);
    return final;
  } catch (error) {
    const verification = error instanceof VerificationFailed ? error.verification : null;
    const reason = hideSecrets(error instanceof VerificationFailed ? error.message : messageOf(error), secrets);
    // The rest of the scratch files go in `finally`.
    if (!renamed) await removeOwnFiles([partial]);
    const failed: BackupRecord = { ...record, state: 'failed', finishedAt: Date.now(), size: null, sha256: null, verification, reason };
    // Beside where the file would have been, so a person looking at the folder sees what happened.
    await writeManifest(failed).catch(() => undefined);
    emit(failed);
    return failed;
  } finally {
    await removeOwnFiles([plain === partial ? '' : plain, decrypted, listFile].filter((f) => f !== ''));
  }
}

class VerificationFailed extends Error {
  constructor(readonly verification: Verification) {
    super(`verification failed: ${describeFailure(verification)}`);
  }
}

function describeFailure(verification: Verification): string {
  switch (verification.kind) {
    case 'postgres':
      return verification.mismatches.slice(0, 5).join('; ') || 'tables or row counts differ';
    case 'redis':
      return verification.detail;
    case 'files':
      return verification.mismatches.slice(0, 5).join('; ') || 'the archive differs';
  }
}

interface Paths {
  readonly plain: string;
  readonly partial: string;
  readonly decrypted: string;
  readonly listFile: string;
  readonly key: Buffer | null;
  readonly hooks: BackupHooks;
}

// Makes the plain file, stores it (encrypted or not) as `partial`, and verifies what is stored.
async function makeAndVerify(job: BackupJob, paths: Paths, noteVersion: (version: string) => void): Promise<Verification> {
  const source = job.source;
  let verify: (file: string) => Promise<Verification>;
  if (source.kind === 'postgres') {
    const dumped = await dumpPostgres(source, paths.plain);
    noteVersion(dumped.serverVersion);
    verify = (file) => verifyPostgresDump(source, file, dumped.counts);
  } else if (source.kind === 'redis') {
    const snapshot = await snapshotRedis(source, paths.plain);
    noteVersion(snapshot.serverVersion);
    verify = (file) => verifyRedisRdb(source.binDir, file, snapshot);
  } else {
    noteVersion(await tarVersion());
    const listing = await archiveFiles(source, paths.plain, paths.listFile);
    verify = (file) => verifyArchive(file, listing, paths.listFile);
  }
  await fsyncPath(paths.plain);
  if (paths.key !== null) {
    await encryptFile(paths.plain, paths.partial, paths.key);
    await rm(paths.plain, { force: true });
    await fsyncPath(paths.partial);
  }
  await paths.hooks.beforeVerify?.(paths.partial);
  // What is verified is what is stored: the encrypted file is decrypted (and authenticated) first.
  if (paths.key === null) return verify(paths.partial);
  await decryptFile(paths.partial, paths.decrypted, paths.key);
  try {
    return await verify(paths.decrypted);
  } finally {
    await rm(paths.decrypted, { force: true });
  }
}

/** Removes what an interrupted backup (Berth killed mid-way) left in a backup folder: Berth's own `*.partial`
 * files, which never look complete. Returns their names. For the daemon at start, before any backup runs. */
export async function removeInterruptedFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => []);
  const partial = names.filter((name) => name.endsWith('.partial'));
  await removeOwnFiles(partial.map((name) => join(dir, name)));
  return partial;
}

async function removeOwnFiles(files: readonly string[]): Promise<void> {
  for (const file of files) await rm(file, { force: true }).catch(() => undefined);
}
