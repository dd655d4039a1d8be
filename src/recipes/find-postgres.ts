// Finds the PostgreSQL server binaries: `bin_dir:`, then PATH, then `pg_config --bindir`, then
// /usr/lib/postgresql/*/bin with the newest major first; and reads their major version.
import { execFileSync } from 'node:child_process';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { isExecutable } from '../shared/is-executable.js';

export interface PostgresBinaries {
  readonly binDir: string;
  /** Major version, e.g. 15. */
  readonly major: number;
  /** Full version text, e.g. `15.18`. */
  readonly version: string;
}

export type FindResult = { readonly ok: true; readonly binaries: PostgresBinaries } | { readonly ok: false; readonly reason: string };

const hasServer = (dir: string): boolean => isExecutable(join(dir, 'postgres')) && isExecutable(join(dir, 'initdb'));

/** The folders to try, in order, without duplicates. */
export function listCandidateDirs(binDir: string | null, path: string | undefined, libRoot = '/usr/lib/postgresql'): string[] {
  return [...new Set(generateCandidateDirs(binDir, path, libRoot))];
}

// A generator, so that `pg_config` (a process) and the Debian folders are only looked at when PATH has no server.
function* generateCandidateDirs(binDir: string | null, path: string | undefined, libRoot: string): Generator<string> {
  if (binDir !== null) {
    yield binDir;
    return;
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isExecutable(join(dir, 'postgres'))) continue;
    // PATH often holds a symlink (/usr/local/bin/postgres → /usr/lib/postgresql/15/bin/postgres); initdb is beside the target.
    yield dirname(realpathSync(join(dir, 'postgres')));
  }
  const fromPgConfig = pgConfigBinDir(path);
  if (fromPgConfig !== undefined) yield fromPgConfig;
  let majors: string[] = [];
  try {
    majors = readdirSync(libRoot).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // No Debian layout.
  }
  for (const major of majors) yield join(libRoot, major, 'bin');
}

function pgConfigBinDir(path: string | undefined): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', env: { PATH: path ?? '' }, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

// `berth up` asks twice (the version-drift lint, then the start) and a daemon on every restart; the answer only
// changes when the binary does.
const versions = new Map<string, { major: number; version: string } | undefined>();

/** Reads `postgres --version` in `binDir` (remembered while the binary is unchanged). */
export function readServerVersion(binDir: string): { major: number; version: string } | undefined {
  const file = join(binDir, 'postgres');
  const stat = statSync(file, { throwIfNoEntry: false });
  const key = `${file}\0${String(stat?.mtimeMs)}\0${String(stat?.size)}`;
  if (!versions.has(key)) versions.set(key, runVersion(file));
  return versions.get(key);
}

function runVersion(file: string): { major: number; version: string } | undefined {
  try {
    const text = execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
    if (match?.[1] === undefined) return undefined;
    return { major: Number(match[1]), version: match[2] === undefined ? match[1] : `${match[1]}.${match[2]}` };
  } catch {
    return undefined;
  }
}

/** The first candidate folder holding `postgres` and `initdb`, with its version. */
export function findPostgresBinaries(binDir: string | null, path: string | undefined, libRoot = '/usr/lib/postgresql'): FindResult {
  const tried = new Set<string>();
  for (const dir of generateCandidateDirs(binDir, path, libRoot)) {
    if (tried.has(dir)) continue;
    tried.add(dir);
    if (!hasServer(dir)) continue;
    const version = readServerVersion(dir);
    if (version !== undefined) return { ok: true, binaries: { binDir: dir, ...version } };
  }
  if (binDir !== null) return { ok: false, reason: `\`bin_dir: ${binDir}\` holds no runnable \`postgres\` and \`initdb\`` };
  return { ok: false, reason: tried.size === 0 ? 'no `postgres` on PATH, no `pg_config`, nothing under /usr/lib/postgresql' : `none of ${[...tried].join(', ')} holds a runnable \`postgres\` and \`initdb\`` };
}
