// What a postgres `data:` folder holds: nothing yet, a cluster of some major version, or somebody else's files.
// Berth initialises only a missing or empty folder, and never touches a foreign one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type PostgresDataDir =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'cluster'; readonly major: number }
  | { readonly kind: 'foreign'; readonly reason: string };

/** Looks at the folder without changing it. */
export function inspectPostgresDataDir(dir: string): PostgresDataDir {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return { kind: 'foreign', reason: 'it is a file, not a folder' };
    entries = readdirSync(dir);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'absent' } : { kind: 'foreign', reason: (error as Error).message };
  }
  if (entries.length === 0) return { kind: 'empty' };
  if (!entries.includes('PG_VERSION')) return { kind: 'foreign', reason: `it holds ${describeEntries(entries)} but no PG_VERSION` };
  const text = readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  const major = Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
  if (!Number.isInteger(major) || !entries.includes('global')) return { kind: 'foreign', reason: `PG_VERSION says ${JSON.stringify(text.slice(0, 20))} and global/ is ${entries.includes('global') ? 'there' : 'missing'}` };
  return { kind: 'cluster', major };
}

function describeEntries(entries: readonly string[]): string {
  const shown = entries.slice(0, 3).map((e) => `\`${e}\``).join(', ');
  return entries.length > 3 ? `${shown} and ${String(entries.length - 3)} more` : shown;
}
