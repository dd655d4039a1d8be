// `berth backup [SERVICE...]`, `berth backups [SERVICE] [--json]`, `berth restore SERVICE [BACKUP] [--to NAME]`.
import type { BackupRecord } from '../../backup/backup-types.js';
import { callApi } from '../../client/api-client.js';
import { createDiagnostic } from '../../errors/diagnostic.js';
import { formatBackups } from '../format-backups.js';
import { EXIT, type CliIo } from '../io.js';
import { parseOptions } from '../parse-options.js';
import { printApiError, printNoDaemon } from '../print-api-error.js';
import { usageError } from '../print-diagnostics.js';
import { findStack, STACK_OPTIONS } from '../stack-target.js';

export const BACKUP_HELP = `Usage: berth backup [SERVICE...] [--json] [--file FILE]

Backs the services up now (all that can be when none is named: postgres and redis recipes, and
services with \`backup.paths\`) and waits until each backup is verified by restoring it, or failed.
Exit 1 when any failed. A backup of a service already running is waited for, not started twice.`;

export const BACKUPS_HELP = `Usage: berth backups [SERVICE] [--json] [--file FILE]

Lists the backups in the catalog, newest first: state (only \`verified\` ones count as good), kind,
why it ran, time, size, off-site copy, and what the verification restored.`;

export const RESTORE_HELP = `Usage: berth restore SERVICE [BACKUP] [--to NAME] [--no-safety-backup] [--file FILE]

Restores a verified backup (the newest when BACKUP is not given). First a safety backup of the
current data is taken (the restore stops if it fails); the services that depend on SERVICE are
stopped (and SERVICE itself for redis and files), the backup is restored, and everything is started
again in order. Replaced files are moved aside, never deleted.
  --to NAME   postgres only: restore into a new database NAME beside the live one; nothing is stopped`;

export async function runBackupNow(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('backup', args, { ...STACK_OPTIONS, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(BACKUP_HELP), EXIT.ok);
  const { paths } = findStack(io, parsed.values.file);
  const query = parsed.positionals.map((name) => `service=${encodeURIComponent(name)}`).join('&');
  const result = await callApi(paths.socket, 'POST', `/v1/backups/run${query === '' ? '' : `?${query}`}`, 6 * 3600_000);
  if (!result.ok) return printNoDaemon(io, result.error);
  if (result.status !== 200) return printApiError(io, 'backup', result.body);
  const records = (result.body as { backups: BackupRecord[] }).backups;
  io.stdout(parsed.values.json === true ? JSON.stringify(records, null, 2) : formatBackups(records));
  const failed = records.filter((r) => r.state !== 'verified');
  for (const record of failed) {
    const { message, hint } = createDiagnostic('BERTH_E_BACKUP_FAILED', { params: { service: record.service, reason: record.reason ?? 'unknown' } });
    io.stderr(`berth backup: BERTH_E_BACKUP_FAILED: ${message}\n  hint: ${hint}`);
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

export async function runBackups(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('backups', args, { ...STACK_OPTIONS, json: { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(BACKUPS_HELP), EXIT.ok);
  const [service, ...rest] = parsed.positionals;
  if (rest.length > 0) return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'backups', reason: `expected at most one service, found ${parsed.positionals.join(' ')}` } }));
  const { paths } = findStack(io, parsed.values.file);
  const result = await callApi(paths.socket, 'GET', `/v1/backups${service === undefined ? '' : `?service=${encodeURIComponent(service)}`}`);
  if (!result.ok) return printNoDaemon(io, result.error);
  if (result.status !== 200) return printApiError(io, 'backups', result.body);
  const records = (result.body as { backups: BackupRecord[] }).backups;
  io.stdout(parsed.values.json === true ? JSON.stringify(records, null, 2) : formatBackups(records));
  return EXIT.ok;
}

export async function runRestore(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseOptions('restore', args, { ...STACK_OPTIONS, to: { type: 'string' }, 'no-safety-backup': { type: 'boolean' } });
  if (!parsed.ok) return usageError(io, parsed.diagnostic);
  if (parsed.values.help === true) return (io.stdout(RESTORE_HELP), EXIT.ok);
  const [service, backup, ...rest] = parsed.positionals;
  if (service === undefined || rest.length > 0) return usageError(io, createDiagnostic('BERTH_E_USAGE', { params: { command: 'restore', reason: 'expected `berth restore SERVICE [BACKUP]`' } }));
  const { paths } = findStack(io, parsed.values.file);
  const query = [`service=${encodeURIComponent(service)}`, ...(backup === undefined ? [] : [`backup=${encodeURIComponent(backup)}`]), ...(typeof parsed.values.to === 'string' ? [`to=${encodeURIComponent(parsed.values.to)}`] : []), ...(parsed.values['no-safety-backup'] === true ? ['safety=0'] : [])].join('&');
  const result = await callApi(paths.socket, 'POST', `/v1/restore?${query}`, 6 * 3600_000);
  if (!result.ok) return printNoDaemon(io, result.error);
  if (result.status !== 200) {
    printApiError(io, 'restore', result.body);
    return result.status === 404 ? EXIT.badInput : EXIT.failed;
  }
  const done = result.body as { restored: string; safety: string | null; restarted: string[]; into: string | null };
  io.stdout(done.into !== null
    ? `${service}: restored ${done.restored} into the new database ${done.into}; the live one was not touched`
    : `${service}: restored ${done.restored}${done.safety === null ? '' : ` (safety backup ${done.safety} taken first)`}; started again: ${[service, ...done.restarted].join(', ')}`);
  return EXIT.ok;
}
