// Finds the PostgreSQL server binaries: `bin_dir:`, then PATH, then `pg_config --bindir`, then
// /usr/lib/postgresql/*/bin with the newest major first; and reads their major version.
import { execFileSync } from 'node:child_process';
import { readdirSync, realpathSync } from 'node:fs';
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
  if (binDir !== null) return [binDir];
  const out: string[] = [];
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '' || !isExecutable(join(dir, 'postgres'))) continue;
    // PATH often holds a symlink (/usr/local/bin/postgres → /usr/lib/postgresql/15/bin/postgres); initdb is beside the target.
    out.push(dirname(realpathSync(join(dir, 'postgres'))));
  }
  const fromPgConfig = pgConfigBinDir(path);
  if (fromPgConfig !== undefined) out.push(fromPgConfig);
  let majors: string[] = [];
  try {
    majors = readdirSync(libRoot).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // No Debian layout.
  }
  for (const major of majors) out.push(join(libRoot, major, 'bin'));
  return [...new Set(out)];
}

function pgConfigBinDir(path: string | undefined): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', env: { PATH: path ?? '' }, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Reads `postgres --version` in `binDir`. */
export function readServerVersion(binDir: string): { major: number; version: string } | undefined {
  try {
    const text = execFileSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
    if (match?.[1] === undefined) return undefined;
    return { major: Number(match[1]), version: match[2] === undefined ? match[1] : `${match[1]}.${match[2]}` };
  } catch {
    return undefined;
  }
}

/** The first candidate folder holding `postgres` and `initdb`, with its version. */
export function findPostgresBinaries(binDir: string | null, path: string | undefined, libRoot?: string): FindResult {
  const candidates = listCandidateDirs(binDir, path, libRoot);
  for (const dir of candidates) {
    if (!hasServer(dir)) continue;
    const version = readServerVersion(dir);
    if (version !== undefined) return { ok: true, binaries: { binDir: dir, ...version } };
  }
  if (binDir !== null) return { ok: false, reason: `\`bin_dir: ${binDir}\` holds no runnable \`postgres\` and \`initdb\`` };
  return { ok: false, reason: candidates.length === 0 ? 'no `postgres` on PATH, no `pg_config`, nothing under /usr/lib/postgresql' : `none of ${candidates.join(', ')} holds a runnable \`postgres\` and \`initdb\`` };
}
