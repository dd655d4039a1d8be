// Off-site copies with rclone (`backup.offsite: remote:path`): a verified backup file and its manifest are copied
// to the remote, then the remote's sha256 of the copy is compared with the record's. Only a copy whose checksum
// matched counts (`checked: true`). Nothing here throws: every failure comes back as a failed OffsiteCopy whose
// reason quotes rclone with anything that looks like a credential blanked.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { REDACTED } from '../config/redact-stack.js';
import { runCommand, type RunCommandResult } from '../exec/run-command.js';
import { manifestPath } from './backup-catalog.js';
import type { BackupRecord, OffsiteCopy } from './backup-types.js';
import { hashFile } from './durable-file.js';

export interface OffsiteOptions {
  /** The rclone program (default `rclone` from PATH). */
  readonly rcloneBin?: string;
  /** Set over Berth's own environment for rclone (e.g. RCLONE_CONFIG, RCLONE_CONFIG_PASS); undefined unsets. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per rclone command (a copy, a checksum); default 1 hour. */
  readonly timeoutMs?: number;
  /** The clock for `at`. */
  readonly now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
// One attempt per command, and 3 low-level retries (one connection, one request, one chunk) instead of rclone's 3 × 10:
// a failed copy is retried by the next backup run, and rclone's defaults turn an unreachable remote into a ~10 s wait
// of exponential backoff (0.4 s with these).
const RCLONE_FLAGS = ['--retries', '1', '--low-level-retries', '3'];
const SHA256 = /^([0-9a-f]{64})\s/m;

/** Where `file` goes on `remote`: `remote:path/<name>`, or `remote:<name>` for a remote's root (`remote:`). */
export function remotePath(remote: string, name: string): string {
  const trimmed = remote.replace(/\/+$/, '');
  return trimmed.endsWith(':') ? `${trimmed}${name}` : `${trimmed}/${name}`;
}

/**
 * Copies a verified backup and its manifest to `remote`, then checks the copy's sha256 (checkOffsite). Never throws.
 * The returned `remote` is the one given with any credential in it blanked: it is stored in the catalog.
 */
export async function copyOffsite(record: BackupRecord, remote: string, options: OffsiteOptions = {}): Promise<OffsiteCopy> {
  const now = options.now ?? Date.now;
  const failed = (reason: string): OffsiteCopy => ({ remote: redactRclone(remote), state: 'failed', checked: false, reason: redactRclone(reason), at: now() });
  if (record.state !== 'verified') {
    return failed(`expected a verified backup to copy off-site, found ${record.id} ${record.state}; hint: only backups verified by restoring them are copied off-site`);
  }
  if (record.sha256 === null) return failed(`expected backup ${record.id} to have a sha256 in the catalog, found none; hint: the record is incomplete, take a new backup`);
  if (remote.trim() === '') return failed('expected an rclone remote (`remote:path`), found an empty string; hint: set backup.offsite in berth.yml');
  const manifest = manifestPath(record.file);
  for (const file of [record.file, manifest]) {
    if (!existsSync(file)) return failed(`expected ${file} to copy off-site, found no such file; hint: it was deleted after the backup was verified, take a new backup`);
  }
  const local = await sha256File(record.file);
  if (local !== record.sha256) {
    return failed(`expected the local file ${record.file} to have the sha256 recorded when it was verified (${record.sha256}), found ${local ?? 'an unreadable file'}; hint: the backup changed after its verification, it is not copied; take a new backup`);
  }
  const name = basename(record.file);
  for (const [file, target] of [
    [record.file, remotePath(remote, name)],
    [manifest, remotePath(remote, basename(manifest))],
  ] as const) {
    const result = await rclone(['copyto', ...RCLONE_FLAGS, file, target], options);
    if (result.code !== 0) return failed(describeFailure(`rclone copyto ${basename(file)} to ${target}`, result, remote));
  }
  return checkOffsite(record, remote, options);
}

/**
 * The check part of copyOffsite, on its own: asks the remote for the sha256 of the copy of `record`'s file
 * (`rclone hashsum sha256`; with `--download` when the backend keeps no sha256) and compares it with the record's.
 * Never throws: `copied` + `checked: true` only when they are equal.
 */
export async function checkOffsite(record: BackupRecord, remote: string, options: OffsiteOptions = {}): Promise<OffsiteCopy> {
  const now = options.now ?? Date.now;
  const result = (state: OffsiteCopy['state'], checked: boolean, reason: string | null): OffsiteCopy => ({ remote: redactRclone(remote), state, checked, reason: reason === null ? null : redactRclone(reason), at: now() });
  if (record.sha256 === null) return result('failed', false, `expected backup ${record.id} to have a sha256 in the catalog, found none; hint: the record is incomplete, take a new backup`);
  const target = remotePath(remote, basename(record.file));
  let hashed = await rclone(['hashsum', ...RCLONE_FLAGS, 'sha256', target], options);
  if (hashed.code !== 0 && /hash (type )?(not supported|unsupported)/i.test(hashed.output)) {
    // The backend keeps no sha256 (crypt, many object stores): rclone reads the copy back and hashes it.
    hashed = await rclone(['hashsum', ...RCLONE_FLAGS, 'sha256', '--download', target], options);
  }
  if (hashed.code !== 0) return result('failed', false, describeFailure(`rclone hashsum sha256 ${target}`, hashed, remote));
  const found = SHA256.exec(hashed.output)?.[1];
  if (found === undefined) {
    return result('failed', false, `expected rclone hashsum sha256 ${target} to print the copy's sha256, found ${JSON.stringify(lastLines(hashed.output) || '(no output)')}; hint: the copy may be missing on the remote, run \`rclone lsl ${target}\``);
  }
  if (found !== record.sha256) {
    return result('failed', false, `the off-site copy ${target} is corrupt: expected sha256 ${record.sha256} (the verified backup), found ${found}; hint: it is copied again on the next run; if this repeats, check the remote's storage`);
  }
  return result('copied', true, null);
}

/**
 * Blanks credentials in rclone output and remote strings: parameters of a connection string
 * (`:sftp,pass=...:`), `key = value` config lines and JSON members whose name looks secret, and URL passwords.
 */
export function redactRclone(text: string): string {
  const secretName = String.raw`[a-z0-9_]*(?:pass|token|secret|key|sas_url|auth|credential|session)[a-z0-9_]*`;
  return (
    text
      // Connection-string parameters: ,pass=value or ,pass="quoted, value" up to the next , or :
      .replace(new RegExp(String.raw`([,:]${secretName}=)("(?:[^"]|"")*"|'(?:[^']|'')*'|[^,:\s]*)`, 'gi'), `$1${REDACTED}`)
      // Config lines: pass = value
      .replace(new RegExp(String.raw`^(\s*${secretName}\s*=\s*)\S.*$`, 'gim'), `$1${REDACTED}`)
      // JSON members: "access_token": "value"
      .replace(new RegExp(String.raw`("${secretName}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi'), `$1"${REDACTED}"`)
      // URL credentials: scheme://user:password@
      .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]+@/gi, `$1${REDACTED}@`)
  );
}

function rclone(args: readonly string[], options: OffsiteOptions): Promise<RunCommandResult> {
  return runCommand({
    argv: [options.rcloneBin ?? 'rclone', ...args],
    env: { ...process.env, ...options.env },
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

function describeFailure(what: string, result: RunCommandResult, remote: string): string {
  const hint = `hint: check the remote with \`rclone lsd ${remote}\` under the same RCLONE_CONFIG`;
  if (result.error !== undefined) {
    return `${what}: expected rclone to run, found ${result.error}; hint: install rclone (Debian: apt-get install rclone) or set its path`;
  }
  if (result.timedOut) return `${what}: expected it to finish, found it still running after the timeout and stopped it; ${hint}`;
  return `${what} failed (exit ${result.code === null ? 'by a signal' : String(result.code)}): ${lastLines(result.output) || '(no output)'}; ${hint}`;
}

/** rclone's messages without timestamps and NOTICE lines, the last few, at most 600 characters. */
function lastLines(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').trim())
    .filter((line) => line !== '' && !line.startsWith('NOTICE:'));
  const text = lines.slice(-3).join(' | ');
  return text.length > 600 ? `…${text.slice(-600)}` : text;
}

/** The file's sha256, or null when it cannot be read. */
function sha256File(file: string): Promise<string | null> {
  return hashFile(file).then((result) => result.sha256, () => null);
}
