// What a redis `data:` folder holds: nothing yet, Redis's own files (RDB snapshot, AOF file or folder, temp files
// of a save or rewrite in progress), or somebody else's files, which Berth refuses to touch.
import { describeEntries, readDataFolder } from './read-data-folder.js';

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
  const folder = readDataFolder(dir);
  if (folder.kind === 'unreadable') return { kind: 'foreign', reason: folder.reason };
  if (folder.kind !== 'entries') return folder;
  const strangers = folder.entries.filter((name) => !isRedisDataFile(name)).sort();
  if (strangers.length === 0) return { kind: 'redis' };
  return { kind: 'foreign', reason: `it holds ${describeEntries(strangers)}, which Redis did not write` };
}
