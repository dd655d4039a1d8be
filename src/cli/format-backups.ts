// The table of `berth backups` and `berth backup`: one row a backup, newest first.
import { formatTable } from './format-table.js';
import type { BackupRecord } from '../backup/backup-types.js';

function formatSize(bytes: number | null): string {
  if (bytes === null) return '-';
  if (bytes < 1024) return `${String(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? ''}`;
}

/** What the verification found, in a few words. */
export function describeVerification(record: BackupRecord): string {
  const v = record.verification;
  if (record.state === 'running') return 'running';
  if (v === null) return record.reason ?? '-';
  const what = v.kind === 'postgres' ? `${String(v.tables)} tables, ${String(v.rows)} rows restored` : v.kind === 'redis' ? `${String(v.keys)} keys loaded` : `${String(v.files)} files read back`;
  return v.ok ? what : `${what}; ${record.reason ?? 'mismatch'}`;
}

export function formatBackups(records: readonly BackupRecord[]): string {
  if (records.length === 0) return 'no backups yet';
  const header = ['BACKUP', 'STATE', 'KIND', 'WHY', 'TAKEN (UTC)', 'SIZE', 'OFF-SITE', 'VERIFICATION / REASON'];
  const rows = records.map((r) => [
    r.id, r.state, `${r.kind}${r.encrypted ? ' (encrypted)' : ''}`, r.trigger, new Date(r.startedAt).toISOString().slice(0, 19).replace('T', ' '), formatSize(r.size),
    r.offsite === null ? '-' : r.offsite.state === 'copied' && r.offsite.checked ? 'copied, checked' : `failed: ${(r.offsite.reason ?? '').slice(0, 40)}`,
    describeVerification(r).slice(0, 120),
  ]);
  return formatTable(header, rows).join('\n');
}
