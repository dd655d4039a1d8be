// Files backups: a tar.gz of configured folders (GNU tar), recording every entry's path and size as tar archived
// it; verification reads the whole archive back (`tar --list`, which checks gzip's CRC and length) and compares;
// restores move existing folders aside (never deleting them) and extract.
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { runCommand } from '../exec/run-command.js';
import type { BackupSource, Verification } from './backup-types.js';
import { lastLines, utcStamp } from './durable-file.js';

export type FilesSource = Extract<BackupSource, { kind: 'files' }>;
export type FilesVerification = Extract<Verification, { kind: 'files' }>;

/** One archive entry: its type letter (`-` file, `d` folder, `l` symlink, `h` hard link, ...) and size. */
export interface ArchiveEntry {
  readonly type: string;
  readonly size: number;
}

/** Entries by the name tar shows (escaped the way tar escapes, the same when archiving and listing). */
export type ArchiveListing = ReadonlyMap<string, ArchiveEntry>;

const TAR_TIMEOUT_MS = 12 * 3600_000;
const tarEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC' });

/** Refuses paths that are absolute, empty or climb out of the root. */
export function checkRelativePaths(paths: readonly string[]): string[] {
  if (paths.length === 0) throw new Error('a files backup needs at least one path, found none');
  return paths.map((path) => {
    const clean = normalize(path).replace(/\/+$/, '');
    if (path === '' || isAbsolute(path) || clean === '..' || clean.startsWith('../') || clean === '.' || clean === '') throw new Error(`expected a folder or file relative to the root (like uploads), found ${JSON.stringify(path)}`);
    return clean;
  });
}

/** Parses tar's `-vv` listing (GNU tar, LC_ALL=C). */
export function parseTarListing(text: string): Map<string, ArchiveEntry> {
  const entries = new Map<string, ArchiveEntry>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^(\S)\S*\s+\S+\s+(\d+|\d+,\s*\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?\s(.*)$/.exec(line);
    if (match === null) throw new Error(`tar listed an entry Berth cannot read: ${JSON.stringify(line)}`);
    const [, type = '?', size = '0', name = ''] = match;
    entries.set(name, { type, size: /,/.test(size) ? 0 : Number(size) });
  }
  return entries;
}

/** `tar --version`'s first line, e.g. `tar (GNU tar) 1.34`. */
export async function tarVersion(): Promise<string> {
  const result = await runCommand({ argv: ['tar', '--version'], env: tarEnv(), timeoutMs: 10_000 });
  return result.code === 0 ? (result.output.split('\n')[0] ?? 'tar').trim() : 'tar';
}

/** Archives the source's paths into `file` (created 0600). `listFile` is a scratch file for tar's listing.
 * Returns what was archived. Throws an Error with the reason (a path missing, tar failing or a file changing). */
export async function archiveFiles(source: FilesSource, file: string, listFile: string): Promise<ArchiveListing> {
  const paths = checkRelativePaths(source.paths);
  for (const path of paths) {
    if (!(await stat(join(source.root, path)).then(() => true, () => false))) throw new Error(`expected ${path} under ${source.root}, found nothing there`);
  }
  await (await open(file, 'wx', 0o600)).close();
  try {
    const result = await runCommand({ argv: ['tar', '--create', '--gzip', '-vv', `--index-file=${listFile}`, '--sort=name', `--file=${file}`, `--directory=${source.root}`, '--', ...paths], env: tarEnv(), timeoutMs: TAR_TIMEOUT_MS });
    // GNU tar: 1 = "some files differ" (changed while read), 2 = fatal. Either way the archive is not a clean copy.
    if (result.code !== 0) throw new Error(result.error === undefined ? `tar exited with ${result.code === null ? 'a signal' : `status ${String(result.code)}`}: ${lastLines(result.output)}` : `tar could not be started: ${result.error}`);
    return parseTarListing(await readFile(listFile, 'utf8'));
  } finally {
    await rm(listFile, { force: true });
  }
}

/** Reads the plain archive `file` through and compares it with what was archived. */
export async function verifyArchive(file: string, expected: ArchiveListing, listFile: string): Promise<FilesVerification> {
  const started = Date.now();
  let files = 0;
  let bytes = 0;
  for (const entry of expected.values()) {
    if (entry.type === '-') {
      files += 1;
      bytes += entry.size;
    }
  }
  let found: Map<string, ArchiveEntry>;
  try {
    const result = await runCommand({ argv: ['tar', '--list', '--gzip', '-vv', `--index-file=${listFile}`, `--file=${file}`], env: tarEnv(), timeoutMs: TAR_TIMEOUT_MS });
    if (result.code !== 0) return { kind: 'files', ok: false, files, bytes, mismatches: [`reading the archive failed: tar exited with ${result.code === null ? 'a signal' : `status ${String(result.code)}`}: ${lastLines(result.output)}`], ms: Date.now() - started };
    found = parseTarListing(await readFile(listFile, 'utf8'));
  } finally {
    await rm(listFile, { force: true });
  }
  const mismatches: string[] = [];
  for (const [name, entry] of expected) {
    const got = found.get(name);
    if (got === undefined) mismatches.push(`${name}: archived, but not in the archive read back`);
    else if (got.type !== entry.type || got.size !== entry.size) mismatches.push(`${name}: expected ${entry.type} of ${String(entry.size)} bytes, found ${got.type} of ${String(got.size)} bytes`);
  }
  for (const name of found.keys()) if (!expected.has(name)) mismatches.push(`${name}: in the archive read back, but not archived`);
  return { kind: 'files', ok: mismatches.length === 0, files, bytes, mismatches: mismatches.slice(0, 50), ms: Date.now() - started };
}

export interface FilesRestoreTarget {
  readonly kind: 'files';
  readonly root: string;
  /** The archived paths to restore (relative to root). */
  readonly paths: readonly string[];
}

/** Extracts `paths` of the plain archive `file` under `root`; each one that exists is first moved aside to
 * `<path>.replaced-<time>` beside it (never deleted). On failure what was extracted is removed and the old
 * folders are moved back. Returns the moved-aside paths. */
export async function restoreArchive(file: string, target: FilesRestoreTarget): Promise<string[]> {
  const paths = checkRelativePaths(target.paths);
  const stamp = utcStamp(Date.now());
  const moved: [string, string][] = [];
  for (const path of paths) {
    const from = join(target.root, path);
    if (!(await stat(from).then(() => true, () => false))) continue;
    const aside = `${from}.replaced-${stamp}`;
    if (await stat(aside).then(() => true, () => false)) throw new Error(`cannot move ${from} aside: expected nothing at ${aside}, found something`);
    await rename(from, aside);
    moved.push([from, aside]);
  }
  const result = await runCommand({ argv: ['tar', '--extract', '--gzip', '--keep-old-files', `--file=${file}`, `--directory=${target.root}`, '--', ...paths], env: tarEnv(), timeoutMs: TAR_TIMEOUT_MS });
  if (result.code === 0) return moved.map(([, aside]) => aside);
  // Only what this extraction wrote is removed (every path was moved aside first), then the old folders return.
  for (const path of paths) await rm(join(target.root, path), { recursive: true, force: true }).catch(() => undefined);
  for (const [from, aside] of moved) await rename(aside, from).catch(() => undefined);
  throw new Error(`extracting the archive into ${target.root} failed, the previous files are back in place: ${result.error ?? lastLines(result.output)}`);
}
