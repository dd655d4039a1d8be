// What a postgres `data:` folder holds: nothing yet, a cluster of some major version, or somebody else's files.
// Berth initialises only a missing or empty folder, and never touches a foreign one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEntries, readDataFolder } from './read-data-folder.js';

export type PostgresDataDir =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'cluster'; readonly major: number }
  | { readonly kind: 'foreign'; readonly reason: string };

/** Looks at the folder without changing it. */
export function inspectPostgresDataDir(dir: string): PostgresDataDir {
  const folder = readDataFolder(dir);
  if (folder.kind === 'unreadable') return { kind: 'foreign', reason: folder.reason };
  if (folder.kind !== 'entries') return folder;
  const { entries } = folder;
  if (!entries.includes('PG_VERSION')) return { kind: 'foreign', reason: `it holds ${describeEntries(entries)} but no PG_VERSION` };
  const text = readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  const major = Number(/^(\d+)/.exec(text)?.[1] ?? NaN);
  if (!Number.isInteger(major) || !entries.includes('global')) return { kind: 'foreign', reason: `PG_VERSION says ${JSON.stringify(text.slice(0, 20))} and global/ is ${entries.includes('global') ? 'there' : 'missing'}` };
  return { kind: 'cluster', major };
}
