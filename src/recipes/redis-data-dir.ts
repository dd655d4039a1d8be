// What a redis `data:` folder holds: nothing yet, Redis's own files (RDB snapshot, AOF file or folder, temp files
// of a save or rewrite in progress), or somebody else's files, which Berth refuses to touch.
import { readdirSync, statSync } from 'node:fs';

export type RedisDataDir =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'redis' }
  | { readonly kind: 'foreign'; readonly reason: string };

// dump.rdb and appendonly.aof (Redis ≤ 6), appendonlydir/ (Redis ≥ 7), and the temp-*.rdb / temp-*.aof files a
// background save or AOF rewrite leaves behind when the server is killed mid-way.
const REDIS_FILE = /^(?:dump\.rdb|appendonly\.aof|appendonlydir|temp-[\w.-]+\.(?:rdb|aof))$/;

/** Whether `name` is a file Redis itself writes into its `dir`. */
export const isRedisDataFile = (name: string): boolean => REDIS_FILE.test(name);

/** Looks at the folder without changing it. */
export function inspectRedisDataDir(dir: string): RedisDataDir {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return { kind: 'foreign', reason: 'it is a file, not a folder' };
    entries = readdirSync(dir);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'absent' } : { kind: 'foreign', reason: (error as Error).message };
  }
  if (entries.length === 0) return { kind: 'empty' };
  const strangers = entries.filter((name) => !isRedisDataFile(name)).sort();
  if (strangers.length === 0) return { kind: 'redis' };
  const shown = strangers.slice(0, 3).map((name) => `\`${name}\``).join(', ');
  return { kind: 'foreign', reason: `it holds ${strangers.length > 3 ? `${shown} and ${String(strangers.length - 3)} more` : shown}, which Redis did not write` };
}
