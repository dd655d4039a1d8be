// Shared by the backup tests: a job for a source, a private folder, key files, and a look at a backup folder.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupJob, BackupRecord, BackupSource } from '../../src/backup/backup-types.js';

let counter = 0;

/** A job writing into `dir`, recording every update into `updates`. */
export function makeJob(service: string, source: BackupSource, dir: string, updates: BackupRecord[], encryptKeyFile: string | null = null): BackupJob {
  counter += 1;
  return { id: `${service}-20260101T00000${String(counter % 10)}Z-${String(counter)}`, service, trigger: 'manual', source, dir, encryptKeyFile, onUpdate: (record) => updates.push(record) };
}

const made: string[] = [];

/** A fresh temp folder, removed by `removeTempDirs()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Removes every folder `tempDir` made (for an `after` hook). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A key file holding 64 hex characters (and a newline), and another with a different key. */
export function writeKeyFiles(dir: string): { key: string; wrong: string } {
  const key = join(dir, 'backup.key');
  const wrong = join(dir, 'wrong.key');
  writeFileSync(key, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  writeFileSync(wrong, randomBytes(32).toString('base64'), { mode: 0o600 });
  return { key, wrong };
}

/** Names in a backup folder, sorted. */
export const listDir = (dir: string): string[] => readdirSync(dir).sort();

/** The manifest beside `file`, parsed. */
export const readManifest = (file: string): Record<string, unknown> => JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as Record<string, unknown>;

/** Halves a file in place (a truncated dump). */
export function truncateHalf(file: string): void {
  const data = readFileSync(file);
  writeFileSync(file, data.subarray(0, Math.floor(data.length / 2)));
}
