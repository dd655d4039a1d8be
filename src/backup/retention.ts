// Retention, restic-style: which backups of the catalog to delete under `backup.keep`, and deleting them.
//
// The rules (planRetention is pure, so each is tested on its own):
// - Only verified backups fill the buckets. Walking them newest first, `last: n` keeps the n newest; `daily: n` keeps
//   the newest of each of the n most recent UTC days that have one (days without a backup do not count, as in
//   restic); `weekly` the same by ISO week (Monday to Sunday, UTC), `monthly` by calendar month (UTC). UTC like the
//   backup ids, so a plan does not change with the server's time zone.
// - The newest verified backup of every service is always kept, even with every count 0.
// - A `running` backup is never removed (it is being written; a daemon that crashed marks it failed first).
// - Failed backups never count as good and their files were never complete. Those older than the service's newest
//   verified backup are removed. Those newer (backups failing since the last good one) are kept while younger than
//   FAILED_GRACE_MS and the newest of them is always kept: it is the evidence with its reason, for `berth backups`,
//   until a backup verifies again. Older ones go, so a service whose backups keep failing does not fill the disk.
// - Only records of the catalog are candidates: a file in the backup folder without a record is never looked at.
//   applyRetention deletes what a record names (its file, its manifest) and nothing else, and refuses a path that
//   is not in the record's service folder (`.../backups/<service>/<id>...`).
import { lstatSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize } from 'node:path';
import { manifestPath, type BackupCatalog } from './backup-catalog.js';
import type { BackupRecord } from './backup-types.js';

export interface KeepPolicy {
  readonly last: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export interface RetentionPlan {
  readonly remove: readonly BackupRecord[];
  /** id → why it is kept (`last`, `daily`, `weekly`, `monthly`, `newest verified`, `running`, `failed since the last verified`). */
  readonly kept: ReadonlyMap<string, readonly string[]>;
}

/** How long failed backups newer than the newest verified one are kept (the newest of them is kept regardless). */
export const FAILED_GRACE_MS = 24 * 60 * 60 * 1000;

const BUCKETS = [
  { name: 'daily', key: dayKey },
  { name: 'weekly', key: isoWeekKey },
  { name: 'monthly', key: monthKey },
] as const;

/** Which records to delete under `keep` at `now`. Records of several services are planned per service. */
export function planRetention(records: readonly BackupRecord[], keep: KeepPolicy, now: number): RetentionPlan {
  const kept = new Map<string, string[]>();
  const remove: BackupRecord[] = [];
  const byService = new Map<string, BackupRecord[]>();
  for (const record of records) {
    const list = byService.get(record.service);
    if (list === undefined) byService.set(record.service, [record]);
    else list.push(record);
  }
  for (const list of byService.values()) {
    const newestFirst = [...list].sort(newer);
    const keepFor = (record: BackupRecord, reason: string): void => {
      const reasons = kept.get(record.id);
      if (reasons === undefined) kept.set(record.id, [reason]);
      else if (!reasons.includes(reason)) reasons.push(reason);
    };
    const verified = newestFirst.filter((r) => r.state === 'verified');
    verified.slice(0, count(keep.last)).forEach((r) => {
      keepFor(r, 'last');
    });
    for (const bucket of BUCKETS) {
      let left = count(keep[bucket.name]);
      let lastKey: string | null = null;
      for (const record of verified) {
        if (left === 0) break;
        const key = bucket.key(record.startedAt);
        if (key === lastKey) continue;
        lastKey = key;
        keepFor(record, bucket.name);
        left -= 1;
      }
    }
    const newestVerified = verified[0];
    if (newestVerified !== undefined) keepFor(newestVerified, 'newest verified');
    let newestFailedKept = false;
    for (const record of newestFirst) {
      if (record.state === 'running') keepFor(record, 'running');
      else if (record.state === 'failed' && (newestVerified === undefined || newer(record, newestVerified) < 0)) {
        if (!newestFailedKept || now - record.startedAt < FAILED_GRACE_MS) keepFor(record, 'failed since the last verified');
        newestFailedKept = true;
      }
    }
    for (const record of newestFirst) if (!kept.has(record.id)) remove.push(record);
  }
  return { remove, kept };
}

/**
 * Deletes what the plan removes: each record's file, its manifest, then its row. A file already gone is fine. When a
 * file cannot be deleted (or its path is not where Berth puts backups) the row stays, so the next run tries again,
 * and the reason is in `errors`.
 */
export function applyRetention(plan: Pick<RetentionPlan, 'remove'>, catalog: BackupCatalog): { removed: string[]; errors: string[] } {
  const removed: string[] = [];
  const errors: string[] = [];
  for (const record of plan.remove) {
    if (record.state === 'running') {
      errors.push(`backup ${record.id} not deleted: expected a finished backup, found one still running; hint: retention never deletes a running backup, plan again once it has finished`);
      continue;
    }
    const unsafe = unsafePath(record);
    if (unsafe !== null) {
      errors.push(`backup ${record.id} not deleted: ${unsafe}`);
      continue;
    }
    const failure = [record.file, manifestPath(record.file)].map(deleteFile).find((e) => e !== null);
    if (failure !== undefined) {
      errors.push(`backup ${record.id} not deleted: ${failure}`);
      continue;
    }
    catalog.remove(record.id);
    removed.push(record.id);
  }
  return { removed, errors };
}

/** Why a record's file is not one retention may delete, or null when it is. */
function unsafePath(record: BackupRecord): string | null {
  const file = record.file;
  const expected = `expected an absolute path .../backups/${record.service}/${record.id}<extension>`;
  const hint = 'hint: the catalog row does not look like a backup Berth wrote; delete the row by hand once you have checked the file';
  if (!isAbsolute(file) || normalize(file) !== file) return `${expected}, found ${JSON.stringify(file)}; ${hint}`;
  const name = basename(file);
  const folder = dirname(file);
  if (basename(folder) !== record.service || basename(dirname(folder)) !== 'backups' || !(name === record.id || name.startsWith(`${record.id}.`))) {
    return `${expected}, found ${file}; ${hint}`;
  }
  return null;
}

function deleteFile(file: string): string | null {
  try {
    if (lstatSync(file).isDirectory()) return `expected a file at ${file}, found a folder; hint: Berth never deletes folders, remove it by hand`;
    unlinkSync(file);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return `could not delete ${file}: ${code ?? (error as Error).message}; hint: check the permissions of ${dirname(file)}`;
  }
}

/** Newest first: by start time, then by id (`-2` after the plain id of the same second). */
function newer(a: BackupRecord, b: BackupRecord): number {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function dayKey(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function monthKey(time: number): string {
  return new Date(time).toISOString().slice(0, 7);
}

/** `2026-W03`: the ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), in UTC. */
export function isoWeekKey(time: number): string {
  const date = new Date(time);
  const day = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
  // The Thursday of this week decides the year.
  const thursday = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 4 - day);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${String(year)}-W${String(week).padStart(2, '0')}`;
}
